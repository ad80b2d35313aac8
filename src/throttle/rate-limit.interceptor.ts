import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, from, map, mergeMap, Observable, throwError } from 'rxjs';
import { RateLimitEnforcer } from './rate-limit-enforcer';

/**
 * The route limits counted after authentication (RateLimitEnforcer, phase `after-auth`): runs
 * after every guard (so after the JwtGuard found the user) and before the handler; then settles
 * the sign-in attempts reserved before authentication (kept when the handler answered 401, given
 * back otherwise) before the response leaves, so the client's next attempt already sees the count.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(private readonly enforcer: RateLimitEnforcer) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    try {
      await this.enforcer.enforce(context, 'after-auth');
    } catch (error) {
      await this.enforcer.settle(context, error);
      throw error;
    }
    // Nothing reserved (every route but the sign-ins): nothing to settle, no operators to run.
    if (!this.enforcer.hasReservations(context)) return next.handle();
    return next.handle().pipe(
      mergeMap((value: unknown) => from(this.enforcer.settle(context)).pipe(map(() => value))),
      catchError((error: unknown) =>
        from(this.enforcer.settle(context, error)).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }
}
