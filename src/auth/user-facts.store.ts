import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser, CompanyRole, UserRole } from './auth-user';
import { ServiceUnavailableError } from '../common/infrastructure-errors';
import { APP_CONFIG, AppConfig } from '../config';
import { RedisService } from '../redis';
import type { RedisKeys } from '../redis/redis-keys';

/** What a signed-in request needs to know about its user: the guard serves these from Redis. */
export type UserFacts = Omit<AuthUser, 'sid' | 'jti' | 'exp'>;

interface StoredFacts {
  email: string;
  name: string;
  role: UserRole;
  companyId: string | null;
  companyRole: CompanyRole | null;
  createdAt: number;
}

export function userFactsKey(keys: RedisKeys, userId: string): string {
  return keys.userAuth(userId, 'facts');
}

/** A record lives as long as an access token at most, then it is read again from the database. */
export function userFactsTtlSeconds(config: AppConfig): number {
  return config.jwt.accessTtlSeconds;
}

export function encodeUserFacts(user: UserFacts): string {
  const stored: StoredFacts = {
    email: user.email,
    name: user.name,
    role: user.role,
    companyId: user.companyId,
    companyRole: user.companyRole,
    createdAt: user.createdAt.getTime(),
  };
  return JSON.stringify(stored);
}

export function decodeUserFacts(userId: string, raw: string): UserFacts {
  const stored = JSON.parse(raw) as StoredFacts;
  return { id: userId, ...stored, createdAt: new Date(stored.createdAt) };
}

/**
 * The user's facts in Redis, `auth:{user}:facts` (JSON), one record for all of the user's
 * sessions: the session check script reads it in the same round trip, so a signed-in request
 * never reads PostgreSQL. One record per user means a change is one write that every session,
 * including one being created or refreshed meanwhile, sees at once.
 *
 * Freshness, for a change of role or company (the only writer today is an accepted invitation):
 * - inside the changing transaction, before it commits: `forget` (a failure aborts the change);
 * - after the commit: `replace` with the committed row, unconditionally, so it overwrites any
 *   copy a reader took from the old row meanwhile;
 * - readers (sign-in, the guard's fallback when the record is missing) only `fill` an absent
 *   record (SET NX): a copy read before the change can never overwrite the change's `replace`.
 * The TTL (the access token lifetime) bounds how long a record lives without being re-read from
 * the database, which also bounds staleness if a process dies between commit and `replace`.
 */
@Injectable()
export class UserFactsStore {
  constructor(
    private readonly redisService: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  key(userId: string): string {
    return userFactsKey(this.redisService.keys, userId);
  }

  get ttlSeconds(): number {
    return userFactsTtlSeconds(this.config);
  }

  /** Before a change commits: no record, so a failed `replace` later leaves nothing stale. */
  forget(userId: string): Promise<unknown> {
    return this.run(() => this.redisService.client.del(this.key(userId)));
  }

  /** After a change committed: the committed facts, whatever is there. */
  replace(user: UserFacts): Promise<unknown> {
    return this.run(() =>
      this.redisService.client.set(this.key(user.id), encodeUserFacts(user), 'EX', this.ttlSeconds),
    );
  }

  /** A reader's copy: only where there is none, never over a change's `replace`. */
  fill(user: UserFacts): Promise<unknown> {
    return this.run(() =>
      this.redisService.client.set(
        this.key(user.id),
        encodeUserFacts(user),
        'EX',
        this.ttlSeconds,
        'NX',
      ),
    );
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new ServiceUnavailableError('Session store (Redis)', error);
    }
  }
}
