import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { ThrottleGuard } from './throttle.guard';

/**
 * The second phase of ThrottleGuard: runs after every guard (so after the JwtGuard found the
 * user) and before the handler, for the user-keyed limits; then counts failed sign-ins.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(private readonly guard: ThrottleGuard) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    await this.guard.enforce(context, 'after-auth');
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          from(this.guard.countFailure(context, error)).pipe(
            mergeMap(() => throwError(() => error)),
          ),
        ),
      );
  }
}
