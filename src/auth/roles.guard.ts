import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser, UserRole } from './auth-user';
import { ROLES } from './roles.decorator';
import { RouteMetadataCache } from '../common/route-metadata';

/** Global, after the JwtGuard: enforces @Roles(...). */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly routeRoles: RouteMetadataCache<UserRole[] | undefined>;

  constructor(reflector: Reflector) {
    this.routeRoles = new RouteMetadataCache((handler, controller) => {
      const roles = reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, [
        handler,
        controller,
      ]);
      return roles?.length ? roles : undefined;
    });
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const roles = this.routeRoles.of(context);
    if (!roles) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user || !roles.includes(user.role))
      throw new ForbiddenException('You are not allowed to do this');
    return true;
  }
}
