import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AccessTokenAuthenticator } from './access-token.authenticator';
import type { AuthUser } from './auth-user';
import { IS_PUBLIC } from '../common/public.decorator';
import { RouteMetadataCache } from '../common/route-metadata';

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Global: every route needs a valid, unrevoked access token unless marked @Public().
 * Cost per request: one Redis round trip (one script: session alive, jti not revoked, issued
 * after the user's "valid after", and the user's role and company from the facts record that
 * every change of them rewrites: see UserFactsStore); no database read. Redis down: 503 (fail
 * closed), never a token accepted unchecked.
 */
@Injectable()
export class JwtGuard implements CanActivate {
  private readonly publicRoutes: RouteMetadataCache<boolean>;

  constructor(
    reflector: Reflector,
    private readonly authenticator: AccessTokenAuthenticator,
  ) {
    this.publicRoutes = new RouteMetadataCache(
      (handler, controller) =>
        reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, controller]) === true,
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.publicRoutes.of(context)) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) throw new UnauthorizedException('Missing or malformed bearer token');
    request.user = await this.authenticator.authenticate(match[1]);
    return true;
  }
}
