import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config';

export type TokenType = 'access' | 'refresh';

/** Claims of both token types. `iatMs` is the issue time in ms: `iat` has only 1 s resolution. */
export interface TokenClaims {
  sub: string;
  sid: string;
  jti: string;
  typ: TokenType;
  iatMs: number;
  iat: number;
  exp: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** The refresh token's id, stored in the session to detect reuse. */
  refreshJti: string;
  accessJti: string;
}

/** The one algorithm: a token claiming any other (`none` included) is rejected. */
const ALGORITHM = 'HS256' as const;

/**
 * Signs and verifies access and refresh JWTs: separate secrets, pinned algorithm, issuer and
 * audience checked, and a `typ` claim so that one kind can never pass as the other.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issuePair(userId: string, sid: string): Promise<TokenPair> {
    const accessJti = randomUUID();
    const refreshJti = randomUUID();
    const [accessToken, refreshToken] = await Promise.all([
      this.sign('access', userId, sid, accessJti),
      this.sign('refresh', userId, sid, refreshJti),
    ]);
    return { accessToken, refreshToken, refreshJti, accessJti };
  }

  /** The claims of a valid token of this type, or null (bad signature, expired, wrong type...). */
  async verify(token: string, type: TokenType): Promise<TokenClaims | null> {
    try {
      const claims = await this.jwt.verifyAsync<TokenClaims>(token, {
        secret: this.secret(type),
        algorithms: [ALGORITHM],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
      });
      const wellFormed =
        claims.typ === type &&
        typeof claims.sub === 'string' &&
        typeof claims.sid === 'string' &&
        typeof claims.jti === 'string' &&
        typeof claims.iatMs === 'number';
      return wellFormed ? claims : null;
    } catch {
      return null;
    }
  }

  private sign(type: TokenType, sub: string, sid: string, jti: string): Promise<string> {
    return this.jwt.signAsync(
      { sub, sid, typ: type, iatMs: Date.now() },
      {
        secret: this.secret(type),
        algorithm: ALGORITHM,
        expiresIn:
          type === 'access' ? this.config.jwt.accessTtlSeconds : this.config.jwt.refreshTtlSeconds,
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        jwtid: jti,
      },
    );
  }

  private secret(type: TokenType): string {
    return type === 'access' ? this.config.jwt.accessSecret : this.config.jwt.refreshSecret;
  }
}
