import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config';
import { RefreshTokenOwner } from '../rate-limit/refresh-token-owner';

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
export class TokenService implements RefreshTokenOwner {
  /**
   * One signer/verifier per token type, each holding its secret as a KeyObject: given a string,
   * jsonwebtoken first tries to parse it as a PEM public key on every verification and throws,
   * which was the most expensive step of an authenticated request.
   */
  private readonly jwt: Record<TokenType, JwtService>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const signer = (secret: string) =>
      new JwtService({ secret: createSecretKey(Buffer.from(secret, 'utf8')) });
    this.jwt = {
      access: signer(config.jwt.accessSecret),
      refresh: signer(config.jwt.refreshSecret),
    };
  }

  async issuePair(userId: string, sid: string): Promise<TokenPair> {
    const accessJti = randomUUID();
    const refreshJti = randomUUID();
    const [accessToken, refreshToken] = await Promise.all([
      this.sign('access', userId, sid, accessJti),
      this.sign('refresh', userId, sid, refreshJti),
    ]);
    return { accessToken, refreshToken, refreshJti, accessJti };
  }

  /** The user of a valid refresh token, or null: the REFRESH rate limit counts per user. */
  async ownerOf(refreshToken: string): Promise<string | null> {
    return (await this.verify(refreshToken, 'refresh'))?.sub ?? null;
  }

  /** The claims of a valid token of this type, or null (bad signature, expired, wrong type...). */
  async verify(token: string, type: TokenType): Promise<TokenClaims | null> {
    try {
      const claims = await this.jwt[type].verifyAsync<TokenClaims>(token, {
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
    return this.jwt[type].signAsync(
      { sub, sid, typ: type, iatMs: Date.now() },
      {
        algorithm: ALGORITHM,
        expiresIn:
          type === 'access' ? this.config.jwt.accessTtlSeconds : this.config.jwt.refreshTtlSeconds,
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        jwtid: jti,
      },
    );
  }
}
