import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { RateLimitEnforcer } from './rate-limit-enforcer';

/**
 * The route limits counted before authentication (RateLimitEnforcer, phase `before-auth`). Runs
 * before the JwtGuard: AppModule registers the global guards in their order.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly enforcer: RateLimitEnforcer) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.enforcer.enforce(context, 'before-auth');
    return true;
  }
}

/**
 * The route limits keyed by the signed-in user (RateLimitEnforcer, phase `after-auth`: BOOKING):
 * the last global guard, so after the JwtGuard found the user, before any interceptor and the
 * handler. A refusal settles what the request reserved before authentication (given back).
 */
@Injectable()
export class RateLimitAfterAuthGuard implements CanActivate {
  constructor(private readonly enforcer: RateLimitEnforcer) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      await this.enforcer.enforce(context, 'after-auth');
    } catch (error) {
      await this.enforcer.settle(context, error);
      throw error;
    }
    return true;
  }
}
