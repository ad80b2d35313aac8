import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { RateLimitEnforcer } from './rate-limit-enforcer';

/**
 * The route limits counted before authentication (RateLimitEnforcer, phase `before-auth`). The
 * first of the global guards: AppModule registers them in their order.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly enforcer: RateLimitEnforcer) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.enforcer.enforce(context, 'before-auth');
    return true;
  }
}
