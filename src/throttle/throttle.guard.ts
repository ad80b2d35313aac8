import {
  CanActivate,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerOptions,
} from '@nestjs/throttler';
import { THROTTLER_SKIP } from '@nestjs/throttler/dist/throttler.constants';
import type { Request, Response } from 'express';
import { TokenService } from '../auth/token.service';
import { APP_CONFIG, AppConfig, ThrottlerName } from '../config';
import { LimitState, rateLimitHeaders } from './rate-limit-headers';
import { RATE_LIMITS } from './rate-limit.decorator';
import { RateLimitTelemetry } from './rate-limit-telemetry';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import {
  AFTER_AUTH_THROTTLERS,
  FAIL_CLOSED_THROTTLERS,
  FAILURE_COUNTED_THROTTLERS,
  RouteThrottlerName,
} from './throttle.constants';
import { trackerFor, TrackedRequest } from './throttle-trackers';

type Phase = 'before-auth' | 'after-auth';

interface Outcome {
  state?: LimitState;
  /** Seconds until the request would be allowed, when it is over the limit. */
  retryAfter?: number;
  unavailable?: boolean;
}

/**
 * The HTTP rate limits (docs/contract.md "Rate limits") on @nestjs/throttler with Redis storage.
 *
 * In throttler v6 every named throttler applies to every route; here only GLOBAL does, plus the
 * ones a route names with `@RateLimit(...)`. `@SkipThrottle()` skips them all.
 *
 * Order: this guard is the first global guard (ThrottleModule is imported before AuthModule), so
 * the IP-keyed limits (and REFRESH, keyed by the verified refresh token of the body) count every
 * request, those with bad credentials or bad tokens included, before authentication spends a
 * Redis round trip and a database read on them. The user-keyed limits (BOOKING) need the user
 * the JwtGuard found, so RateLimitInterceptor evaluates them after all guards, before the handler.
 * LOGIN_EMAIL is checked here (429 once over) and counted by the interceptor when login answers 401.
 *
 * Every throttler of a phase is counted concurrently on one connection: ioredis pipelines them,
 * so a phase costs one network round trip whatever the number of throttlers.
 */
@Injectable()
export class ThrottleGuard extends ThrottlerGuard implements CanActivate {
  private readonly states = new WeakMap<object, LimitState[]>();
  private tokenService: TokenService | null = null;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly redisStorage: RedisThrottlerStorage,
    reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly telemetry: RateLimitTelemetry,
    private readonly moduleRef: ModuleRef,
  ) {
    super(options, redisStorage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.enforce(context, 'before-auth');
    return true;
  }

  /** The throttlers that apply to this route in this phase. */
  routeThrottlers(context: ExecutionContext, phase: Phase): ThrottlerName[] {
    if (!this.config.throttle.enabled || context.getType() !== 'http') return [];
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

  /** Counts the request under the route's throttlers of this phase; throws 429 or 503. */
  async enforce(context: ExecutionContext, phase: Phase): Promise<void> {
    const names = this.routeThrottlers(context, phase);
    if (names.length === 0) return;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const outcomes = await Promise.all(names.map((name) => this.check(context, name)));

    const states = [...(this.states.get(req) ?? []), ...outcomes.flatMap((o) => o.state ?? [])];
    this.states.set(req, states);
    for (const [header, value] of Object.entries(rateLimitHeaders(states))) {
      res.setHeader(header, value);
    }

    const over = outcomes.filter((o) => o.retryAfter !== undefined);
    if (over.length > 0) {
      const worst = over.reduce((a, b) => (b.retryAfter! > a.retryAfter! ? b : a));
      this.telemetry.throttled(worst.state!.name);
      res.setHeader('Retry-After', worst.retryAfter!);
      throw new ThrottlerException(
        `Too many requests: retry in ${worst.retryAfter} second${worst.retryAfter === 1 ? '' : 's'}`,
      );
    }
    if (outcomes.some((o) => o.unavailable)) {
      throw new ServiceUnavailableException('Rate limiting is unavailable, try again shortly');
    }
  }

  /** After the handler failed with `error`: counts failed sign-ins under the route's LOGIN_EMAIL. */
  async countFailure(context: ExecutionContext, error: unknown): Promise<void> {
    if (!(error instanceof HttpException) || error.getStatus() !== 401) return;
    const names = this.routeThrottlers(context, 'before-auth').filter((n) =>
      FAILURE_COUNTED_THROTTLERS.has(n),
    );
    if (names.length === 0) return;
    const req = context.switchToHttp().getRequest<Request>();
    await Promise.all(
      names.map(async (name) => {
        const tracker = await this.trackerOf(name, req);
        if (tracker === null) return;
        try {
          await this.redisStorage.increment(
            this.generateKey(context, tracker, name),
            this.windowMs(name),
            this.limitOf(name),
            this.blockMs(name),
            name,
          );
        } catch (err) {
          // The 401 stands; this failure just goes uncounted (a 503 would reveal nothing more).
          this.telemetry.storageError(name, err);
        }
      }),
    );
  }

  /** One key per throttler and client, shared by all the routes the throttler applies to. */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }

  private async check(context: ExecutionContext, name: ThrottlerName): Promise<Outcome> {
    const req = context.switchToHttp().getRequest<Request>();
    const tracker = await this.trackerOf(name, req);
    if (tracker === null) return {};
    const key = this.generateKey(context, tracker, name);
    const limit = this.limitOf(name);
    try {
      if (FAILURE_COUNTED_THROTTLERS.has(name)) {
        const window = await this.redisStorage.peek(key);
        const state = {
          name,
          limit,
          remaining: Math.max(0, limit - window.totalHits),
          reset: window.timeToExpire,
        };
        return window.totalHits >= limit
          ? { state, retryAfter: Math.max(1, window.timeToExpire) }
          : { state };
      }
      const record = await this.redisStorage.increment(
        key,
        this.windowMs(name),
        limit,
        this.blockMs(name),
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
      return { unavailable: FAIL_CLOSED_THROTTLERS.has(name) };
    }
  }

  private trackerOf(name: ThrottlerName, req: Request): Promise<string | null> {
    return trackerFor(name, req as TrackedRequest, async (token) => {
      this.tokenService ??= this.moduleRef.get(TokenService, { strict: false });
      return (await this.tokenService?.verify(token, 'refresh'))?.sub ?? null;
    });
  }

  /** From the throttler options (built from THROTTLE_<NAME> by throttlerOptions). */
  private limitOf(name: ThrottlerName): number {
    return this.throttlerNamed(name).limit as number;
  }

  private windowMs(name: ThrottlerName): number {
    return this.throttlerNamed(name).ttl as number;
  }

  private blockMs(name: ThrottlerName): number {
    return (this.throttlerNamed(name).blockDuration ?? this.throttlerNamed(name).ttl) as number;
  }

  private throttlerNamed(name: ThrottlerName): ThrottlerOptions {
    const options = this.throttlers.find((throttler) => throttler.name === name);
    if (!options) throw new Error(`No throttler named ${name}`);
    return options;
  }
}
