import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, from, map, mergeMap, Observable, throwError } from 'rxjs';
import { ThrottleGuard } from './throttle.guard';

/**
 * The second phase of ThrottleGuard: runs after every guard (so after the JwtGuard found the
 * user) and before the handler, for the user-keyed limits; then settles the sign-in attempts the
 * guard reserved (kept when the handler answered 401, given back otherwise) before the response
 * leaves, so the client's next attempt already sees the count.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(private readonly guard: ThrottleGuard) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    try {
      await this.guard.enforce(context, 'after-auth');
    } catch (error) {
      await this.guard.settle(context, error);
      throw error;
    }
    return next.handle().pipe(
      mergeMap((value: unknown) => from(this.guard.settle(context)).pipe(map(() => value))),
      catchError((error: unknown) =>
        from(this.guard.settle(context, error)).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }
}
