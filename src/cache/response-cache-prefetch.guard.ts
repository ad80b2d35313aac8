import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { CacheLookups } from './cache-lookups';

/**
 * The first global guard (AppModule): starts the response cache's entry read of a cached route
 * whose key does not depend on the user, so that it runs alongside the limiter's check
 * (RateLimitGuard) instead of after every guard. Lets every request through: whether it is
 * answered, and from the cache, is decided by the guards after it and ResponseCacheInterceptor.
 */
@Injectable()
export class ResponseCachePrefetchGuard implements CanActivate {
  constructor(private readonly lookups: CacheLookups) {}

  canActivate(context: ExecutionContext): boolean {
    this.lookups.prefetch(context);
    return true;
  }
}
