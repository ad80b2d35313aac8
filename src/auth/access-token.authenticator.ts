import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthUser } from './auth-user';
import { SessionStore } from './session.store';
import { TokenService } from './token.service';
import { UserFacts, UserFactsStore } from './user-facts.store';
import { UserRecords } from './user-records';

/** Token → signed-in user, shared by the HTTP guard and the Socket.IO handshake. */
@Injectable()
export class AccessTokenAuthenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionStore,
    private readonly users: UserRecords,
    private readonly facts: UserFactsStore,
  ) {}

  async authenticate(token: string): Promise<AuthUser> {
    const claims = await this.tokens.verify(token, 'access');
    if (!claims) throw new UnauthorizedException('Invalid or expired token');
    const { state, facts } = await this.sessions.checkAccess(
      claims.sub,
      claims.sid,
      claims.jti,
      claims.iatMs,
    );
    // 'no_session': the session ended (logout elsewhere, expiry) or this Redis never knew it
    // (e.g. REDIS_KEY_PREFIX changed); only a revoked token or user is called "revoked".
    if (state === 'no_session') throw new UnauthorizedException('Session not found or expired');
    if (state !== 'ok') throw new UnauthorizedException('Token has been revoked');
    const user = facts ?? (await this.factsFromDatabase(claims.sub));
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      companyId: user.companyId,
      companyRole: user.companyRole,
      createdAt: user.createdAt,
      sid: claims.sid,
      jti: claims.jti,
      exp: claims.exp,
    };
  }

  /**
   * The facts record is missing (a session from before it existed, or it expired): read the
   * user once and fill it for the next requests, unless a change wrote newer facts meanwhile.
   */
  private async factsFromDatabase(userId: string): Promise<UserFacts> {
    const user = await this.users.findById(userId);
    if (!user) throw new UnauthorizedException('Invalid or expired token');
    await this.facts.fill(user);
    return user;
  }
}
