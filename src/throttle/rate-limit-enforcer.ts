import { ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { ThrottlerName } from '../config';
import { LimitState } from './rate-limit-headers';
import { RouteMetadataCache } from '../common/route-metadata';
import { LimitCheck, LimitTarget, RateLimiter } from './rate-limiter';
import { RefreshTokenOwner } from './refresh-token-owner';
import {
  AFTER_AUTH_THROTTLERS,
  RATE_LIMITS,
  RouteThrottlerName,
  THROTTLER_SKIP,
} from './throttle.constants';
import { immediateTracker, trackerFor, TrackedRequest } from './throttle-trackers';

/**
 * When a route's limits are counted: before authentication (ThrottleGuard) or after it, once the
 * JwtGuard found the user (ThrottleAfterAuthGuard).
 */
export type RateLimitPhase = 'before-auth' | 'after-auth';

/**
 * The HTTP rate limits (docs/contract.md "Rate limits") of routes, counted by RateLimiter. Its thin
 * adapters call it: ThrottleGuard and ThrottleAfterAuthGuard (global guards, before and after
 * authentication), and RateLimitInterceptor (settles reservations, on the routes that make them).
 *
 * In throttler v6 every named throttler applies to every route; here only GLOBAL does, plus the
 * ones a route names with `@RateLimit(...)`. `@SkipThrottle()` skips them all.
 *
 * Before authentication, the IP-keyed limits (and REFRESH, keyed by the verified refresh token of
 * the body) count every request, those with bad credentials or bad tokens included, before
 * authentication spends a Redis round trip and a database read on them. The user-keyed limits
 * (BOOKING) need the user the JwtGuard found, so they are counted by the last guard, before the
 * handler. LOGIN_EMAIL reserves the sign-in attempt before authentication (429 once the window is
 * full); `settle` gives it back when the handler did not answer 401.
 *
 * Every throttler of a phase is counted concurrently on one connection: ioredis pipelines them,
 * so a phase costs one network round trip whatever the number of throttlers (plus one for a
 * reservation, made only once the other limits let the request through).
 */
@Injectable()
export class RateLimitEnforcer {
  /** Every limit counted for a request so far: the headers speak of the closest to running out. */
  private readonly states = new WeakMap<object, LimitState[]>();
  private readonly reserved = new WeakMap<object, LimitCheck[]>();
  /** Each route's throttlers by phase, read from its decorators once. */
  private readonly routes: RouteMetadataCache<Record<RateLimitPhase, ThrottlerName[]>>;

  constructor(
    reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly refreshTokens: RefreshTokenOwner,
  ) {
    this.routes = new RouteMetadataCache((handler, controller) => {
      const targets = [handler, controller];
      const skipped = (name: string) =>
        reflector.getAllAndOverride<boolean>(THROTTLER_SKIP + name, targets) === true;
      if (skipped('default')) return { 'before-auth': [], 'after-auth': [] };
      const named = reflector.getAllAndOverride<RouteThrottlerName[]>(RATE_LIMITS, targets) ?? [];
      const names = (['GLOBAL', ...named] as ThrottlerName[]).filter((name) => !skipped(name));
      return {
        'before-auth': names.filter((name) => !AFTER_AUTH_THROTTLERS.has(name)),
        'after-auth': names.filter((name) => AFTER_AUTH_THROTTLERS.has(name)),
      };
    });
  }

  /** Counts the request under the route's throttlers of this phase; throws 429 or 503. */
  async enforce(context: ExecutionContext, phase: RateLimitPhase): Promise<void> {
    const names = this.routeThrottlers(context, phase);
    if (names.length === 0) return;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const targets: LimitTarget[] = [];
    for (const name of names) {
      const tracker =
        name === 'REFRESH'
          ? await trackerFor(name, req as TrackedRequest, (token) =>
              this.refreshTokens.ownerOf(token),
            )
          : immediateTracker(name, req as TrackedRequest);
      if (tracker !== null) targets.push({ name, tracker });
    }
    const checks = await this.limiter.checkAll(targets);

    const reservations = checks.filter((c) => c.reservation);
    if (reservations.length > 0) {
      this.reserved.set(req, [...(this.reserved.get(req) ?? []), ...reservations]);
    }
    const earlier = this.states.get(req);
    const states = checks.flatMap((c) => c.state ?? []);
    if (earlier) states.unshift(...earlier);
    this.states.set(req, states);
    const verdict = this.limiter.verdict(checks, states);
    for (const header in verdict.headers) res.setHeader(header, verdict.headers[header]);
    if (verdict.error) throw verdict.error;
  }

  /** Whether the request holds reserved attempts that `settle` must keep or give back. */
  hasReservations(context: ExecutionContext): boolean {
    return this.reserved.has(context.switchToHttp().getRequest<Request>());
  }

  /**
   * Once the request is answered (`error` when it failed): its reserved sign-in attempts stay
   * counted only when it was refused with 401 (bad credentials); otherwise they are given back.
   */
  async settle(context: ExecutionContext, error?: unknown): Promise<void> {
    const req = context.switchToHttp().getRequest<Request>();
    const reserved = this.reserved.get(req);
    if (!reserved) return;
    this.reserved.delete(req);
    if (error instanceof HttpException && error.getStatus() === 401) return;
    await this.limiter.release(reserved);
  }

  /** The throttlers that apply to this route in this phase. */
  private routeThrottlers(context: ExecutionContext, phase: RateLimitPhase): ThrottlerName[] {
    if (!this.limiter.enabled || context.getType() !== 'http') return [];
    return this.routes.of(context)[phase];
  }
}
