import { DomainEvent, DomainEventMap } from '../events/domain-events';

/** Per domain event, the tags of a family's entries that the event makes stale. */
export type CacheInvalidations = {
  readonly [E in keyof DomainEventMap]?: (event: DomainEventMap[E]) => string[];
};

interface CacheFamily {
  /** CACHE_TTL_<NAME> when unset. */
  ttlDefaultSeconds: number;
  /** The builders of the tags its entries carry. */
  tags: Record<string, (...ids: string[]) => string>;
  /** What invalidates its entries: the domain events and the tags each one bumps. */
  invalidatedBy: CacheInvalidations;
}

const dashboard = { all: () => 'dashboard' };
const search = { all: () => 'search' };
const company = {
  byId: (companyId: string) => `company:${companyId}`,
  bySlug: (slug: string) => `company-slug:${slug}`,
};
const reviewStats = { ofCompany: (companyId: string) => `reviews:${companyId}` };
const profile = {
  ofUser: (userId: string) => `profile:${userId}`,
  /** Every member of a company: their profile shows the company's shipments and bookings. */
  ofCompanyMembers: (companyId: string) => `company-profiles:${companyId}`,
};

/**
 * The cached route families of the response cache (issue 19.5), each declared once: its name (the
 * `@CachedResponse(name)` argument and the CACHE_TTL_<name> variable), its TTL default, the
 * builders of the tags its entries carry, and which domain events invalidate which of those tags.
 * Both sides build tags only through these: the policies that tag an entry from its request
 * (src/cache/cache-policies.ts) and the listener that bumps, after each domain event, the tags
 * `invalidatedBy` names (src/cache/cache-invalidation.listener.ts). Company ids and slugs are
 * lower-cased, as CompaniesService matches them.
 */
export const CACHE_FAMILIES = {
  /** The admin dashboard's summary and daily stats. */
  DASHBOARD: {
    ttlDefaultSeconds: 300,
    tags: dashboard,
    invalidatedBy: {
      [DomainEvent.UserRegistered]: () => [dashboard.all()],
      [DomainEvent.UserChanged]: () => [dashboard.all()],
      [DomainEvent.ShipmentChanged]: () => [dashboard.all()],
      [DomainEvent.BookingChanged]: () => [dashboard.all()],
      [DomainEvent.PaymentSucceeded]: () => [dashboard.all()],
    },
  },
  /** Shipment search (GET /shipments). */
  SEARCH: {
    ttlDefaultSeconds: 60,
    tags: search,
    invalidatedBy: {
      [DomainEvent.ShipmentChanged]: () => [search.all()],
      [DomainEvent.BookingChanged]: () => [search.all()],
    },
  },
  /** A company's public profile, looked up by id or slug. */
  COMPANY: {
    ttlDefaultSeconds: 300,
    tags: company,
    invalidatedBy: {
      [DomainEvent.UserChanged]: (e) => (e.companyId ? [company.byId(e.companyId)] : []),
      [DomainEvent.CompanyChanged]: (e) => [
        company.byId(e.companyId),
        company.bySlug(e.slug.toLowerCase()),
      ],
      [DomainEvent.ShipmentChanged]: (e) => [company.byId(e.companyId)],
      [DomainEvent.BookingChanged]: (e) => [company.byId(e.companyId)],
      [DomainEvent.ReviewCreated]: (e) => [company.byId(e.companyId)],
    },
  },
  /** A company's review statistics. */
  REVIEW_STATS: {
    ttlDefaultSeconds: 300,
    tags: reviewStats,
    invalidatedBy: {
      [DomainEvent.ReviewCreated]: (e) => [reviewStats.ofCompany(e.companyId)],
    },
  },
  /** GET /users/me, per user: the user and their (or their company's) booking stats. */
  PROFILE: {
    ttlDefaultSeconds: 120,
    tags: profile,
    invalidatedBy: {
      [DomainEvent.UserChanged]: (e) => [profile.ofUser(e.userId)],
      [DomainEvent.ShipmentChanged]: (e) => [profile.ofCompanyMembers(e.companyId)],
      [DomainEvent.BookingChanged]: (e) => [
        profile.ofUser(e.customerId),
        profile.ofCompanyMembers(e.companyId),
      ],
      [DomainEvent.PaymentSucceeded]: (e) => [
        profile.ofUser(e.customerId),
        profile.ofCompanyMembers(e.companyId),
      ],
    },
  },
} satisfies Record<string, CacheFamily>;

export type CacheName = keyof typeof CACHE_FAMILIES;

export const CACHE_NAMES = Object.keys(CACHE_FAMILIES) as CacheName[];

/** The domain events that invalidate some family's entries. */
export function cacheInvalidatingEvents(): (keyof DomainEventMap)[] {
  const events = CACHE_NAMES.flatMap(
    (name) => Object.keys(CACHE_FAMILIES[name].invalidatedBy) as (keyof DomainEventMap)[],
  );
  return [...new Set(events)];
}

/** The tags `event` bumps: every family's, in the order the families are declared. */
export function cacheTagsInvalidatedBy<E extends keyof DomainEventMap>(
  event: E,
  payload: DomainEventMap[E],
): string[] {
  return CACHE_NAMES.flatMap((name) => {
    const invalidations: CacheInvalidations = CACHE_FAMILIES[name].invalidatedBy;
    const tagsOf = invalidations[event];
    return tagsOf ? tagsOf(payload) : [];
  });
}
