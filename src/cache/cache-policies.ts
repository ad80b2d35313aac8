import type { Request } from 'express';
import type { AuthUser } from '../auth/auth-user';
import type { CacheName } from '../config';

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

/**
 * Tags by cache name; the writes that bump them are in CacheInvalidationListener. Company ids and
 * slugs are lower-cased as CompaniesService matches them.
 */
export const CACHE_POLICIES: Record<CacheName, CachePolicy> = {
  DASHBOARD: { perUser: false, tags: () => ['dashboard'] },
  SEARCH: { perUser: false, tags: () => ['search'] },
  COMPANY: {
    perUser: false,
    tags: (request) => {
      const idOrSlug = param(request, 'id');
      return [UUID.test(idOrSlug) ? `company:${idOrSlug}` : `company-slug:${idOrSlug}`];
    },
    responseTags: (body) => {
      const id = (body as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? [`company:${id.toLowerCase()}`] : [];
    },
  },
  REVIEW_STATS: { perUser: false, tags: (request) => [`reviews:${param(request, 'id')}`] },
  PROFILE: {
    perUser: true,
    tags: (request) => {
      const user = request.user;
      if (!user) return [];
      return [
        `profile:${user.id}`,
        ...(user.companyId ? [`company-profiles:${user.companyId}`] : []),
      ];
    },
  },
};
