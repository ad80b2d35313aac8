import { createHash } from 'node:crypto';

/**
 * The query part of a cache key: parameters sorted, the route's defaults applied to absent ones,
 * so `?page=1&limit=20`, `?limit=20&page=1` and `?limit=20` are one entry. Unknown
 * parameters stay in: the route's DTO rejects them (400) and a 400 is never cached.
 */
export function normaliseQuery(
  query: Record<string, unknown>,
  defaults: Record<string, string>,
): string {
  const merged = new Map<string, string>(Object.entries(defaults));
  for (const [name, value] of Object.entries(query)) {
    // An empty value is not absent: `?days=` is a 400 and must not share the default's entry.
    if (value === undefined) continue;
    merged.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

/** A short, fixed-length Redis key part for any route, query and user. */
export function cacheKeyOf(name: string, parts: string[]): string {
  return `${name}:${createHash('sha256').update(parts.join('\n')).digest('base64url')}`;
}
