import { normalizeIp } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { RateLimitName } from '../config';

/** What a tracker may read of a request (Express's `req.ip` honours TRUST_PROXY hops). */
export interface TrackedRequest {
  ip?: string;
  body?: unknown;
  user?: { id: string };
}

/** Verifies a refresh token; the user id, or null when the token is not a valid refresh token. */
export type RefreshTokenOwner = (token: string) => Promise<string | null>;

/** IPv6 clients are grouped by /64 (one host usually owns the whole prefix); `::ffff:a.b.c.d` is a.b.c.d. */
const IPV6_SUBNET_PREFIX = 64;

/**
 * Trackers of the addresses seen lately: normalising an address (IPv6 parsing, masking) costs
 * more than the rest of a limit check's CPU, and a client sends many requests. Bounded: emptied
 * when full, so a flood of distinct addresses costs what it did without it.
 */
const KNOWN_ADDRESSES = 4096;
const ipTrackers = new Map<string, string>();

export function ipTracker(req: TrackedRequest): string {
  const ip = req.ip ?? 'unknown';
  let tracker = ipTrackers.get(ip);
  if (tracker === undefined) {
    tracker = `ip:${normalizeIp(ip, IPV6_SUBNET_PREFIX)}`;
    if (ipTrackers.size >= KNOWN_ADDRESSES) ipTrackers.clear();
    ipTrackers.set(ip, tracker);
  }
  return tracker;
}

function bodyField(body: unknown, field: string): unknown {
  return body !== null && typeof body === 'object'
    ? (body as Record<string, unknown>)[field]
    : undefined;
}

/**
 * The email being signed into, as LoginDto normalises it (trimmed, lower-cased), hashed so that
 * Redis keys carry no addresses. Null when the body has no email: validation rejects it anyway.
 */
export function loginEmailTracker(req: TrackedRequest): string | null {
  const email = bodyField(req.body, 'email');
  if (typeof email !== 'string' || email.trim() === '') return null;
  const digest = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
  return `email:${digest}`;
}

/**
 * Who a request counts against under each limit, or null when the limit does not apply
 * to it. A forged or expired refresh token counts against the client IP, never against the user
 * it names (or anyone could exhaust someone else's limit).
 */
export async function trackerFor(
  name: RateLimitName,
  req: TrackedRequest,
  refreshTokenOwner: RefreshTokenOwner,
): Promise<string | null> {
  if (name !== 'REFRESH') return immediateTracker(name, req);
  const token = bodyField(req.body, 'refreshToken');
  const owner = typeof token === 'string' ? await refreshTokenOwner(token) : null;
  return owner ? `user:${owner}` : ipTracker(req);
}

/**
 * `trackerFor` of every limit whose tracker needs no verification (all but REFRESH), without
 * a promise: what the limits of nearly every request are keyed by.
 */
export function immediateTracker(
  name: Exclude<RateLimitName, 'REFRESH'>,
  req: TrackedRequest,
): string | null {
  switch (name) {
    case 'LOGIN_EMAIL':
      return loginEmailTracker(req);
    case 'BOOKING':
      return req.user ? `user:${req.user.id}` : ipTracker(req);
    default:
      return ipTracker(req);
  }
}
