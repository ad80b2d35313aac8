import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, from, map, mergeMap, Observable, throwError } from 'rxjs';
import { RateLimitEnforcer } from './rate-limit-enforcer';

/**
 * Settles the sign-in attempts reserved before authentication (kept when the handler answered
 * 401, given back otherwise) before the response leaves, so the client's next attempt already
 * sees the count. Only on the routes whose limits reserve attempts: `@RateLimit` adds it with a
 * failure-counted limit (LOGIN_EMAIL); every other route runs without this layer.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(private readonly enforcer: RateLimitEnforcer) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.enforcer.hasReservations(context)) {
      return next.handle();
    }
    return next.handle().pipe(
      mergeMap((value: unknown) => from(this.enforcer.settle(context)).pipe(map(() => value))),
      catchError((error: unknown) =>
        from(this.enforcer.settle(context, error)).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }
}
