import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { RedisClient, RedisService } from '../redis';
import { ServiceUnavailableError } from '../common/infrastructure-errors';
import {
  decodeUserFacts,
  encodeUserFacts,
  UserFacts,
  userFactsKey,
  userFactsTtlSeconds,
} from './user-facts.store';
import { CHECK_ACCESS, ROTATE_REFRESH } from './session-scripts';

export interface SessionRecord {
  id: string;
  userId: string;
  userAgent: string;
  ip: string;
  createdAt: string;
  lastSeenAt: string;
}

export type AccessState = 'ok' | 'no_session' | 'revoked';
/** `facts`: the user's facts when the session is alive and Redis has them, else null. */
export interface AccessCheck {
  state: AccessState;
  facts: UserFacts | null;
}
export type RotationResult = 'ok' | 'no_session' | 'revoked' | 'reused';

type ScriptedClient = RedisClient & {
  parcsalCheckAccess(
    s: string,
    r: string,
    v: string,
    f: string,
    now: number,
    iatMs: number,
  ): Promise<[AccessState, string | null | undefined]>;
  parcsalRotateRefresh(
    s: string,
    idx: string,
    v: string,
    jti: string,
    next: string,
    now: number,
    iatMs: number,
    ttl: number,
    sid: string,
  ): Promise<RotationResult>;
};

/**
 * Sessions and revocations in Redis. Every key has a TTL no longer than the refresh lifetime:
 * - `auth:{user}:session:<sid>`    hash: user agent, IP, times, current refresh jti
 * - `auth:{user}:sessions`         sorted set of the user's session ids (score = creation ms)
 * - `auth:{user}:revoked:<jti>`    a revoked access token, until it would have expired anyway
 * - `auth:{user}:valid-after`      ms time: every token issued at or before it is dead
 * - `auth:{user}:facts`            role, company... of the user, for every session (UserFactsStore)
 * Failure: every method throws ServiceUnavailableError when Redis does not answer; the guard
 * then fails closed (503) rather than accepting a token it cannot check.
 */
@Injectable()
export class SessionStore implements OnModuleInit {
  private readonly redis: ScriptedClient;

  constructor(
    private readonly redisService: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis = redisService.client as ScriptedClient;
  }

  onModuleInit(): void {
    if (typeof this.redis.parcsalCheckAccess !== 'function') {
      this.redis.defineCommand('parcsalCheckAccess', { numberOfKeys: 4, lua: CHECK_ACCESS });
      this.redis.defineCommand('parcsalRotateRefresh', { numberOfKeys: 3, lua: ROTATE_REFRESH });
    }
  }

  /**
   * `user`: the facts the sign-in just read from the database, stored only where Redis has none
   * (a change committed since the read has written newer ones). Without them the first request
   * reads them from the database (UserFactsStore).
   */
  async create(session: SessionRecord, refreshJti: string, user?: UserFacts): Promise<void> {
    const now = Date.now();
    const ttl = this.ttlSeconds;
    const index = this.indexKey(session.userId);
    const multi = this.redis
      .multi()
      .hset(this.sessionKey(session.userId, session.id), { ...session, refreshJti })
      .expire(this.sessionKey(session.userId, session.id), ttl);
    if (user) {
      const factsTtl = userFactsTtlSeconds(this.config);
      multi.set(this.factsKey(user.id), encodeUserFacts(user), 'EX', factsTtl, 'NX');
    }
    await this.run(() =>
      multi
        .zadd(index, now, session.id)
        // The index is bounded: ids older than the refresh lifetime are dead sessions.
        .zremrangebyscore(index, '-inf', now - ttl * 1000)
        .expire(index, ttl)
        .exec(),
    );
  }

  async checkAccess(userId: string, sid: string, jti: string, iatMs: number): Promise<AccessCheck> {
    const [state, facts] = await this.run(() =>
      this.redis.parcsalCheckAccess(
        this.sessionKey(userId, sid),
        this.revokedKey(userId, jti),
        this.validAfterKey(userId),
        this.factsKey(userId),
        Date.now(),
        iatMs,
      ),
    );
    return { state, facts: facts ? decodeUserFacts(userId, facts) : null };
  }

  rotateRefresh(
    userId: string,
    sid: string,
    presentedJti: string,
    nextJti: string,
    iatMs: number,
  ): Promise<RotationResult> {
    return this.run(() =>
      this.redis.parcsalRotateRefresh(
        this.sessionKey(userId, sid),
        this.indexKey(userId),
        this.validAfterKey(userId),
        presentedJti,
        nextJti,
        Date.now(),
        iatMs,
        this.ttlSeconds,
        sid,
      ),
    );
  }

  async list(userId: string): Promise<SessionRecord[]> {
    const ids = await this.run(() => this.redis.zrange(this.indexKey(userId), 0, -1));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    ids.forEach((sid) => pipeline.hgetall(this.sessionKey(userId, sid)));
    const results = (await this.run(() => pipeline.exec())) ?? [];
    const sessions: SessionRecord[] = [];
    results.forEach(([, value], i) => {
      const record = value as Record<string, string> | null;
      if (record && record.id) sessions.push(record as unknown as SessionRecord);
      else void this.redis.zrem(this.indexKey(userId), ids[i]).catch(() => undefined);
    });
    return sessions;
  }

  /** Ends one session: its refresh token and every access token of it stop working. */
  async revokeSession(
    userId: string,
    sid: string,
    accessJti?: string,
    accessExp?: number,
  ): Promise<boolean> {
    const multi = this.redis
      .multi()
      .del(this.sessionKey(userId, sid))
      .zrem(this.indexKey(userId), sid);
    const remaining = accessExp ? accessExp - Math.floor(Date.now() / 1000) : 0;
    if (accessJti && remaining > 0)
      multi.set(this.revokedKey(userId, accessJti), '1', 'EX', remaining);
    const results = await this.run(() => multi.exec());
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }

  /**
   * Ends every session of the user, and kills any token issued until now. The user's facts go
   * too: the next sign-in reads them afresh from the database.
   */
  async revokeAll(userId: string): Promise<void> {
    const ids = await this.run(() => this.redis.zrange(this.indexKey(userId), 0, -1));
    const multi = this.redis
      .multi()
      .set(this.validAfterKey(userId), String(Date.now()), 'EX', this.ttlSeconds)
      .del(this.indexKey(userId))
      .del(this.factsKey(userId));
    ids.forEach((sid) => multi.del(this.sessionKey(userId, sid)));
    await this.run(() => multi.exec());
  }

  private get ttlSeconds(): number {
    return this.config.jwt.refreshTtlSeconds;
  }

  private userKey(userId: string, ...rest: string[]): string {
    return this.redisService.keys.userAuth(userId, ...rest);
  }
  private sessionKey(userId: string, sid: string): string {
    return this.userKey(userId, 'session', sid);
  }
  private indexKey(userId: string): string {
    return this.userKey(userId, 'sessions');
  }
  private factsKey(userId: string): string {
    return userFactsKey(this.redisService.keys, userId);
  }
  private revokedKey(userId: string, jti: string): string {
    return this.userKey(userId, 'revoked', jti);
  }
  private validAfterKey(userId: string): string {
    return this.userKey(userId, 'valid-after');
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new ServiceUnavailableError('Session store (Redis)', error);
    }
  }
}
