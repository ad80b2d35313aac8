import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { RedisClient, RedisService } from '../redis';
import { ServiceUnavailableError } from '../common/infrastructure-errors';
import { CHECK_ACCESS, ROTATE_REFRESH } from './session-scripts';

export interface SessionRecord {
  id: string;
  userId: string;
  userAgent: string;
  ip: string;
  createdAt: string;
  lastSeenAt: string;
}

export type AccessCheck = 'ok' | 'no_session' | 'revoked';
export type RotationResult = 'ok' | 'no_session' | 'revoked' | 'reused';

type ScriptedClient = RedisClient & {
  parcsalCheckAccess(
    s: string,
    r: string,
    v: string,
    now: number,
    iatMs: number,
  ): Promise<AccessCheck>;
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
      this.redis.defineCommand('parcsalCheckAccess', { numberOfKeys: 3, lua: CHECK_ACCESS });
      this.redis.defineCommand('parcsalRotateRefresh', { numberOfKeys: 3, lua: ROTATE_REFRESH });
    }
  }

  async create(session: SessionRecord, refreshJti: string): Promise<void> {
    const now = Date.now();
    const ttl = this.ttlSeconds;
    const index = this.indexKey(session.userId);
    await this.run(() =>
      this.redis
        .multi()
        .hset(this.sessionKey(session.userId, session.id), { ...session, refreshJti })
        .expire(this.sessionKey(session.userId, session.id), ttl)
        .zadd(index, now, session.id)
        // The index is bounded: ids older than the refresh lifetime are dead sessions.
        .zremrangebyscore(index, '-inf', now - ttl * 1000)
        .expire(index, ttl)
        .exec(),
    );
  }

  checkAccess(userId: string, sid: string, jti: string, iatMs: number): Promise<AccessCheck> {
    return this.run(() =>
      this.redis.parcsalCheckAccess(
        this.sessionKey(userId, sid),
        this.revokedKey(userId, jti),
        this.validAfterKey(userId),
        Date.now(),
        iatMs,
      ),
    );
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

  /** Ends every session of the user, and kills any token issued until now. */
  async revokeAll(userId: string): Promise<void> {
    const ids = await this.run(() => this.redis.zrange(this.indexKey(userId), 0, -1));
    const multi = this.redis
      .multi()
      .set(this.validAfterKey(userId), String(Date.now()), 'EX', this.ttlSeconds)
      .del(this.indexKey(userId));
    ids.forEach((sid) => multi.del(this.sessionKey(userId, sid)));
    await this.run(() => multi.exec());
  }

  private get ttlSeconds(): number {
    return this.config.jwt.refreshTtlSeconds;
  }

  private userKey(userId: string, ...rest: string[]): string {
    return this.redisService.keys.key('auth', `{${userId}}`, ...rest);
  }
  private sessionKey(userId: string, sid: string): string {
    return this.userKey(userId, 'session', sid);
  }
  private indexKey(userId: string): string {
    return this.userKey(userId, 'sessions');
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
