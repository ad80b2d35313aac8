import type { ExecutionContext, Type } from '@nestjs/common';

/** What ExecutionContext gives and Reflector reads: the handler and its controller class. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Target = Function | Type<unknown>;

/**
 * What a guard or interceptor reads of a route's decorators, read once per route instead of on
 * every request: `read(handler, controller)` runs the first time a route is seen, its answer is
 * kept for the route's lifetime (decorator metadata does not change once the application runs).
 * Keyed by controller and handler: an inherited handler may carry other controller metadata.
 */
export class RouteMetadataCache<T> {
  private readonly byController = new WeakMap<Target, WeakMap<Target, T>>();

  constructor(private readonly read: (handler: Target, controller: Target) => T) {}

  of(context: ExecutionContext): T {
    const controller = context.getClass();
    const handler = context.getHandler();
    let handlers = this.byController.get(controller);
    if (!handlers) {
      handlers = new WeakMap();
      this.byController.set(controller, handlers);
    }
    if (handlers.has(handler)) return handlers.get(handler)!;
    const value = this.read(handler, controller);
    handlers.set(handler, value);
    return value;
  }
}
