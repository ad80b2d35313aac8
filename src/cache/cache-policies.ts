import type { Request } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CACHE_FAMILIES, CacheName } from '../config';

export type CacheableRequest = Request & { user?: AuthUser };

/** What a cache name's entries depend on: the tags whose bump invalidates them. */
export interface CachePolicy {
  /** Per-user responses are keyed by the user too. */
  perUser: boolean;
  /** Tags known from the request. */
  tags(request: CacheableRequest): string[];
  /** Tags only the response reveals (a company looked up by slug: its id). */
  responseTags?(body: unknown): string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function param(request: CacheableRequest, name: string): string {
  return String(request.params[name] ?? '').toLowerCase();
}

const { DASHBOARD, SEARCH, COMPANY, REVIEW_STATS, PROFILE } = CACHE_FAMILIES;

/**
 * Each family's tags as read from the request, built with its tag builders (CACHE_FAMILIES,
 * which also declares the domain events that bump them). Company ids and slugs are
 * lower-cased as CompaniesService matches them.
 */
export const CACHE_POLICIES: Record<CacheName, CachePolicy> = {
  DASHBOARD: { perUser: false, tags: () => [DASHBOARD.tags.all()] },
  SEARCH: { perUser: false, tags: () => [SEARCH.tags.all()] },
  COMPANY: {
    perUser: false,
    tags: (request) => {
      const idOrSlug = param(request, 'id');
      return [UUID.test(idOrSlug) ? COMPANY.tags.byId(idOrSlug) : COMPANY.tags.bySlug(idOrSlug)];
    },
    responseTags: (body) => {
      const id = (body as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? [COMPANY.tags.byId(id.toLowerCase())] : [];
    },
  },
  REVIEW_STATS: {
    perUser: false,
    tags: (request) => [REVIEW_STATS.tags.ofCompany(param(request, 'id'))],
  },
  PROFILE: {
    perUser: true,
    tags: (request) => {
      const user = request.user;
      if (!user) return [];
      return [
        PROFILE.tags.ofUser(user.id),
        ...(user.companyId ? [PROFILE.tags.ofCompanyMembers(user.companyId)] : []),
      ];
    },
  },
};
