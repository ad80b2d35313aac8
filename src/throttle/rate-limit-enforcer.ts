import { ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ThrottlerName } from '../config';
import { LimitState } from './rate-limit-headers';
import { RATE_LIMITS } from './rate-limit.decorator';
import { LimitCheck, LimitTarget, RateLimiter } from './rate-limiter';
import { RefreshTokenOwner } from './refresh-token-owner';
import { AFTER_AUTH_THROTTLERS, RouteThrottlerName, THROTTLER_SKIP } from './throttle.constants';
import { trackerFor } from './throttle-trackers';

/**
 * When a route's limits are counted: before authentication (ThrottleGuard) or after it, once the
 * JwtGuard found the user (RateLimitInterceptor).
 */
export type RateLimitPhase = 'before-auth' | 'after-auth';

/**
 * The HTTP rate limits (docs/contract.md "Rate limits") of routes, counted by RateLimiter. Its two thin
 * adapters call it: ThrottleGuard (the first global guard) and RateLimitInterceptor.
 *
 * In throttler v6 every named throttler applies to every route; here only GLOBAL does, plus the
 * ones a route names with `@RateLimit(...)`. `@SkipThrottle()` skips them all.
 *
 * Before authentication, the IP-keyed limits (and REFRESH, keyed by the verified refresh token of
 * the body) count every request, those with bad credentials or bad tokens included, before
 * authentication spends a Redis round trip and a database read on them. The user-keyed limits
 * (BOOKING) need the user the JwtGuard found, so they are counted after all guards, before the
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

  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly refreshTokens: RefreshTokenOwner,
  ) {}

  /** Counts the request under the route's throttlers of this phase; throws 429 or 503. */
  async enforce(context: ExecutionContext, phase: RateLimitPhase): Promise<void> {
    const names = this.routeThrottlers(context, phase);
    if (names.length === 0) return;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const res = context.switchToHttp().getResponse<FastifyReply>();
    const targets = await Promise.all(
      names.map(async (name) => ({ name, tracker: await this.trackerOf(name, req) })),
    );
    const checks = await this.limiter.checkAll(
      targets.filter((t): t is LimitTarget => t.tracker !== null),
    );

    const reservations = checks.filter((c) => c.reservation);
    if (reservations.length > 0) {
      this.reserved.set(req, [...(this.reserved.get(req) ?? []), ...reservations]);
    }
    const states = [...(this.states.get(req) ?? []), ...checks.flatMap((c) => c.state ?? [])];
    this.states.set(req, states);
    const verdict = this.limiter.verdict(checks, states);
    for (const [header, value] of Object.entries(verdict.headers)) void res.header(header, value);
    if (verdict.error) throw verdict.error;
  }

  /**
   * Once the request is answered (`error` when it failed): its reserved sign-in attempts stay
   * counted only when it was refused with 401 (bad credentials); otherwise they are given back.
   */
  async settle(context: ExecutionContext, error?: unknown): Promise<void> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const reserved = this.reserved.get(req);
    if (!reserved) return;
    this.reserved.delete(req);
    if (error instanceof HttpException && error.getStatus() === 401) return;
    await this.limiter.release(reserved);
  }

  /** The throttlers that apply to this route in this phase. */
  private routeThrottlers(context: ExecutionContext, phase: RateLimitPhase): ThrottlerName[] {
    if (!this.limiter.enabled || context.getType() !== 'http') return [];
    const targets = [context.getHandler(), context.getClass()];
    const skipped = (name: string) =>
      this.reflector.getAllAndOverride<boolean>(THROTTLER_SKIP + name, targets) === true;
    if (skipped('default')) return [];
    const named =
      this.reflector.getAllAndOverride<RouteThrottlerName[]>(RATE_LIMITS, targets) ?? [];
    return (['GLOBAL', ...named] as ThrottlerName[]).filter(
      (name) => !skipped(name) && AFTER_AUTH_THROTTLERS.has(name) === (phase === 'after-auth'),
    );
  }

  private trackerOf(name: ThrottlerName, req: FastifyRequest): Promise<string | null> {
    return trackerFor(name, req, (token) => this.refreshTokens.ownerOf(token));
  }
}
