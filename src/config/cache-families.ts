/**
 * The cached route families of the response cache (issue 19.5): each one's name (the
 * `@CachedResponse(name)` argument and the CACHE_TTL_<name> variable), its TTL default and the
 * builders of the tags its entries carry. Both sides build tags only through these: the policies
 * that tag an entry from its request (src/cache/cache-policies.ts) and the listener that bumps
 * tags after a domain event (src/cache/cache-invalidation.listener.ts, which says which events
 * invalidate which tags: the events are in src/common, above config). Company ids and slugs are
 * lower-cased by the callers, as CompaniesService matches them.
 */
export const CACHE_FAMILIES = {
  /** The admin dashboard's summary and daily stats. */
  DASHBOARD: { ttlDefaultSeconds: 300, tags: { all: () => 'dashboard' } },
  /** Shipment search (GET /shipments). */
  SEARCH: { ttlDefaultSeconds: 60, tags: { all: () => 'search' } },
  /** A company's public profile, looked up by id or slug. */
  COMPANY: {
    ttlDefaultSeconds: 300,
    tags: {
      byId: (companyId: string) => `company:${companyId}`,
      bySlug: (slug: string) => `company-slug:${slug}`,
    },
  },
  /** A company's review statistics. */
  REVIEW_STATS: {
    ttlDefaultSeconds: 300,
    tags: { ofCompany: (companyId: string) => `reviews:${companyId}` },
  },
  /** GET /users/me, per user: the user and their (or their company's) booking stats. */
  PROFILE: {
    ttlDefaultSeconds: 120,
    tags: {
      ofUser: (userId: string) => `profile:${userId}`,
      /** Every member of a company: their profile shows the company's shipments and bookings. */
      ofCompanyMembers: (companyId: string) => `company-profiles:${companyId}`,
    },
  },
} as const;

export type CacheName = keyof typeof CACHE_FAMILIES;

export const CACHE_NAMES = Object.keys(CACHE_FAMILIES) as CacheName[];
