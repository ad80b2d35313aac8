import { HttpException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig, RateLimitName } from '../config';
import { LimitState, rateLimitHeaders } from './rate-limit-headers';
import { RateLimitTelemetry } from './rate-limit-telemetry';
import { RateLimitStorage, Reservation } from './rate-limit.storage';
import { FAIL_CLOSED_LIMITS, FAILURE_COUNTED_LIMITS } from './rate-limit.constants';

/** One limit and who the request counts against under it. */
export interface LimitTarget {
  name: RateLimitName;
  tracker: string;
}

/** Where one request stands under one limit, once counted. */
export interface LimitCheck {
  state?: LimitState;
  /** Seconds until the request would be allowed, when it is over the limit. */
  retryAfter?: number;
  /** Redis did not answer and this limit fails closed. */
  unavailable?: boolean;
  /** A failure-counted limit's attempt, to give back unless the attempt fails. */
  reservation?: Reservation;
}

/** What to answer: the RateLimit-* (and Retry-After) headers, and the error when refused. */
export interface LimitVerdict {
  headers: Record<string, number>;
  error?: HttpException;
}

/**
 * The rate limits themselves (docs/contract.md "Rate limits"), for every way in: RateLimitGuard for
 * routes, the queue dashboard's HTTP Basic sign-in, ChatRateLimiter for the socket. Limits come
 * from the configuration in force (THROTTLE_<NAME>), counters from Redis (RateLimitStorage).
 *
 * Failure-counted limits (LOGIN_EMAIL: failed sign-ins only) reserve the attempt before it is
 * made, so no more than LIMIT passwords are ever verified per window, whatever the concurrency;
 * the caller gives the reservation back (`release`) when the attempt did not fail.
 */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: RateLimitStorage,
    private readonly telemetry: RateLimitTelemetry,
  ) {}

  get enabled(): boolean {
    return this.config.throttle.enabled;
  }

  /**
   * Counts the request under every target (nothing when THROTTLE_ENABLED=false). Failure-counted
   * limits are reserved last, and only when no other limit refused the request: a refused
   * request reserves nothing.
   */
  async checkAll(targets: readonly LimitTarget[]): Promise<LimitCheck[]> {
    if (!this.enabled) return [];
    const reserved = targets.filter((t) => FAILURE_COUNTED_LIMITS.has(t.name));
    const counted = await Promise.all(
      targets.filter((t) => !FAILURE_COUNTED_LIMITS.has(t.name)).map((t) => this.count(t)),
    );
    if (reserved.length === 0 || counted.some((c) => c.retryAfter !== undefined || c.unavailable))
      return counted;
    return [...counted, ...(await Promise.all(reserved.map((t) => this.reserve(t))))];
  }

  /**
   * The answer to `checks`: headers for the limit closest to running out among `states` (every
   * limit counted for this request so far), and a 429 (with Retry-After) or 503 when refused.
   */
  verdict(checks: readonly LimitCheck[], states: readonly LimitState[]): LimitVerdict {
    const headers: Record<string, number> = rateLimitHeaders(states);
    const over = checks.filter((c) => c.retryAfter !== undefined);
    if (over.length > 0) {
      const worst = over.reduce((a, b) => (b.retryAfter! > a.retryAfter! ? b : a));
      this.telemetry.refused(worst.state!.name);
      const seconds = worst.retryAfter!;
      return {
        headers: { ...headers, 'Retry-After': seconds },
        error: new ThrottlerException(
          `Too many requests: retry in ${seconds} second${seconds === 1 ? '' : 's'}`,
        ),
      };
    }
    if (checks.some((c) => c.unavailable)) {
      return {
        headers,
        error: new ServiceUnavailableException('Rate limiting is unavailable, try again shortly'),
      };
    }
    return { headers };
  }

  /** Gives back the reservations of `checks` (the attempt did not fail); never throws. */
  async release(checks: readonly LimitCheck[]): Promise<void> {
    await Promise.all(
      checks.map(async ({ reservation, state }) => {
        if (!reservation) return;
        try {
          await this.storage.release(reservation);
        } catch (error) {
          // The attempt stays counted until its window ends: the safe side of a limiter.
          this.telemetry.storageError(state?.name ?? 'unknown', error);
        }
      }),
    );
  }

  /** One message, request or attempt under `name`; true when it may go ahead. Fails open. */
  async consume(name: RateLimitName, tracker: string): Promise<boolean> {
    if (!this.enabled) return true;
    const check = await this.count({ name, tracker });
    if (check.retryAfter !== undefined) this.telemetry.refused(name);
    return check.retryAfter === undefined;
  }

  private async count({ name, tracker }: LimitTarget): Promise<LimitCheck> {
    const { limit, seconds } = this.config.throttle.limits[name];
    try {
      const record = await this.storage.increment(
        `${name}:${tracker}`,
        seconds * 1000,
        limit,
        seconds * 1000,
        name,
      );
      const state = {
        name,
        limit,
        remaining: record.isBlocked ? 0 : Math.max(0, limit - record.totalHits),
        reset: record.isBlocked ? record.timeToBlockExpire : record.timeToExpire,
      };
      return record.isBlocked
        ? { state, retryAfter: Math.max(1, record.timeToBlockExpire) }
        : { state };
    } catch (error) {
      this.telemetry.storageError(name, error);
      return { unavailable: FAIL_CLOSED_LIMITS.has(name) };
    }
  }

  private async reserve({ name, tracker }: LimitTarget): Promise<LimitCheck> {
    const { limit, seconds } = this.config.throttle.limits[name];
    try {
      const result = await this.storage.reserve(`${name}:${tracker}`, seconds * 1000, limit);
      const state = {
        name,
        limit,
        remaining: Math.max(0, limit - result.totalHits),
        reset: result.timeToExpire,
      };
      return result.reservation
        ? { state, reservation: result.reservation }
        : { state, retryAfter: Math.max(1, result.timeToExpire) };
    } catch (error) {
      this.telemetry.storageError(name, error);
      return { unavailable: FAIL_CLOSED_LIMITS.has(name) };
    }
  }
}
