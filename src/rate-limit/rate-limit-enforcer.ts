import { ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { RateLimitName } from '../config';
import { LimitState } from './rate-limit-headers';
import { RouteMetadataCache } from '../common/route-metadata';
import { LimitCheck, LimitTarget, LimitVerdict, RateLimiter } from './rate-limiter';
import { RefreshTokenOwner } from './refresh-token-owner';
import {
  AFTER_AUTH_LIMITS,
  RATE_LIMITS,
  RouteRateLimitName,
  THROTTLER_SKIP,
} from './rate-limit.constants';
import {
  immediateTracker,
  ipTracker,
  loginEmailTracker,
  trackerFor,
  TrackedRequest,
} from './rate-limit-trackers';

/**
 * When a route's limits are counted: before authentication (RateLimitGuard) or after it, once the
 * JwtGuard found the user (RateLimitAfterAuthGuard).
 */
export type RateLimitPhase = 'before-auth' | 'after-auth';

/** The sign-in limits, always counted together (`signIn`): a route naming one is a sign-in. */
const SIGN_IN_LIMITS: ReadonlySet<RateLimitName> = new Set(['LOGIN', 'LOGIN_EMAIL']);

/** One sign-in attempt as counted by `signIn`; `signedIn` settles it. */
export interface SignInAttempt {
  /** The RateLimit-* headers to send, and the 429 or 503 to answer instead of checking anything. */
  readonly verdict: LimitVerdict;
  readonly checks: readonly LimitCheck[];
}

/**
 * The HTTP rate limits (docs/contract.md "Rate limits") of routes, counted by RateLimiter. Its thin
 * adapters call it: RateLimitGuard and RateLimitAfterAuthGuard (global guards, before and after
 * authentication), and RateLimitInterceptor (settles sign-in attempts, on the routes that make them).
 *
 * In throttler v6 every named throttler applies to every route; here only GLOBAL does, plus the
 * ones a route names with `@RateLimit(...)`. `@SkipThrottle()` skips them all.
 *
 * Before authentication, the IP-keyed limits (and REFRESH, keyed by the verified refresh token of
 * the body) count every request, those with bad credentials or bad tokens included, before
 * authentication spends a Redis round trip and a database read on them. The user-keyed limits
 * (BOOKING) need the user the JwtGuard found, so they are counted by the last guard, before the
 * handler. A route naming LOGIN or LOGIN_EMAIL is a sign-in: both are counted by `signIn`, the
 * sequence the queue dashboard's sign-in uses too, and `settle` gives the LOGIN_EMAIL attempt back
 * when the handler did not answer 401.
 *
 * Every limit of a phase is counted concurrently on one connection: ioredis pipelines them,
 * so a phase costs one network round trip whatever the number of limits (plus one for a
 * reservation, made only once the other limits let the request through).
 */
@Injectable()
export class RateLimitEnforcer {
  /** Every limit counted for a request so far: the headers speak of the closest to running out. */
  private readonly states = new WeakMap<object, LimitState[]>();
  private readonly signIns = new WeakMap<object, SignInAttempt>();
  /** Each route's limits by phase, read from its decorators once. */
  private readonly routes: RouteMetadataCache<Record<RateLimitPhase, RateLimitName[]>>;

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
      const named = reflector.getAllAndOverride<RouteRateLimitName[]>(RATE_LIMITS, targets) ?? [];
      const names = (['GLOBAL', ...named] as RateLimitName[]).filter((name) => !skipped(name));
      return {
        'before-auth': names.filter((name) => !AFTER_AUTH_LIMITS.has(name)),
        'after-auth': names.filter((name) => AFTER_AUTH_LIMITS.has(name)),
      };
    });
  }

  /** Counts the request under the route's limits of this phase; throws 429 or 503. */
  async enforce(context: ExecutionContext, phase: RateLimitPhase): Promise<void> {
    const names = this.routeLimits(context, phase);
    if (names.length === 0) return;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const others = names.filter((name) => !SIGN_IN_LIMITS.has(name));
    const targets: LimitTarget[] = [];
    for (const name of others) {
      // Only REFRESH's tracker is a promise: no await (and no microtask) for the others.
      const found = this.trackerOf(name, req as TrackedRequest);
      const tracker = typeof found === 'object' && found !== null ? await found : found;
      if (tracker !== null) targets.push({ name, tracker });
    }
    const earlier = this.states.get(req) ?? [];

    let attempt: SignInAttempt;
    if (others.length < names.length) {
      attempt = await this.signIn(req, targets, earlier);
      this.signIns.set(req, attempt);
    } else {
      const checks = await this.limiter.checkAll(targets);
      attempt = {
        checks,
        verdict: this.limiter.verdict(checks, [...earlier, ...statesOf(checks)]),
      };
    }
    this.states.set(req, [...earlier, ...statesOf(attempt.checks)]);
    const { verdict } = attempt;
    for (const header in verdict.headers) res.setHeader(header, verdict.headers[header]);
    if (verdict.error) throw verdict.error;
  }

  /** Whether the request holds a sign-in attempt that `settle` must keep or give back. */
  hasReservations(context: ExecutionContext): boolean {
    return this.signIns.has(context.switchToHttp().getRequest<Request>());
  }

  /**
   * A sign-in attempt under the sign-in limits, for every way of signing in (POST /auth/login
   * through the guard, the queue dashboard's HTTP Basic), in their order: LOGIN counts every
   * attempt per client IP (with `alongside`, the other limits the request counts: a route's
   * GLOBAL); then, only when none of them refused it, LOGIN_EMAIL reserves one attempt on the
   * email, atomically, before the password is checked, so no more than its limit of passwords
   * are ever checked per window whatever the concurrency. An absent email reserves nothing.
   *
   * The caller answers `verdict.error` (429 or 503, Redis down: these limits fail closed) and
   * sends `verdict.headers`; otherwise it checks the credentials and then calls `signedIn`.
   * `earlier`: limits this request was counted under before (they take part in the headers).
   */
  async signIn(
    client: TrackedRequest,
    alongside: readonly LimitTarget[] = [],
    earlier: readonly LimitState[] = [],
  ): Promise<SignInAttempt> {
    const email = loginEmailTracker(client);
    const checks = await this.limiter.checkAll([
      ...alongside,
      { name: 'LOGIN', tracker: ipTracker(client) },
      ...(email ? [{ name: 'LOGIN_EMAIL' as const, tracker: email }] : []),
    ]);
    return { checks, verdict: this.limiter.verdict(checks, [...earlier, ...statesOf(checks)]) };
  }

  /**
   * The credentials of `attempt` were checked: its LOGIN_EMAIL attempt stays counted only when
   * they were wrong (the 401 answer); otherwise it is given back. Never throws.
   */
  async signedIn(attempt: SignInAttempt, credentialsWrong: boolean): Promise<void> {
    if (!credentialsWrong) await this.limiter.release(attempt.checks);
  }

  /**
   * Once the request is answered (`error` when it failed): settles its sign-in attempt, if it is
   * one; a 401 is the handler's answer to wrong credentials.
   */
  async settle(context: ExecutionContext, error?: unknown): Promise<void> {
    const req = context.switchToHttp().getRequest<Request>();
    const attempt = this.signIns.get(req);
    if (!attempt) return;
    this.signIns.delete(req);
    await this.signedIn(attempt, error instanceof HttpException && error.getStatus() === 401);
  }

  /** The limits that apply to this route in this phase. */
  private routeLimits(context: ExecutionContext, phase: RateLimitPhase): RateLimitName[] {
    if (!this.limiter.enabled || context.getType() !== 'http') return [];
    return this.routes.of(context)[phase];
  }

  /** Without a promise for every limit but REFRESH (the refresh token's owner is looked up). */
  private trackerOf(
    name: RateLimitName,
    req: TrackedRequest,
  ): string | null | Promise<string | null> {
    return name === 'REFRESH'
      ? trackerFor(name, req, (token) => this.refreshTokens.ownerOf(token))
      : immediateTracker(name, req);
  }
}

function statesOf(checks: readonly LimitCheck[]): LimitState[] {
  return checks.flatMap((c) => c.state ?? []);
}
