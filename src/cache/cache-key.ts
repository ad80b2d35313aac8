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

/**
 * The keys of the requests seen lately: a cached route is asked for the same few keys over and
 * over, and hashing costs more than the rest of the key. Bounded in entries (emptied when full)
 * and in size (a long URL is hashed every time), so it holds at most a few MB.
 */
const KNOWN_KEYS = 4096;
const KNOWN_KEY_MAX_LENGTH = 512;
const knownKeys = new Map<string, string>();

/** A short, fixed-length Redis key part for any route, query and user. */
export function cacheKeyOf(name: string, parts: string[]): string {
  const text = parts.join('\n');
  const known = `${name}\n${text}`;
  let key = knownKeys.get(known);
  if (key === undefined) {
    key = `${name}:${createHash('sha256').update(text).digest('base64url')}`;
    if (known.length > KNOWN_KEY_MAX_LENGTH) return key;
    if (knownKeys.size >= KNOWN_KEYS) knownKeys.clear();
    knownKeys.set(known, key);
  }
  return key;
}
