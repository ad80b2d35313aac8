import { INestApplicationContext, Logger } from '@nestjs/common';

/**
 * SIGTERM/SIGINT: stop taking work, let in-flight requests and jobs finish (app.close() runs
 * every shutdown hook: HTTP server, BullMQ workers, Redis, database), then exit 0. Nest's own
 * enableShutdownHooks re-raises the signal after closing, which exits 143 instead of 0.
 */
export function exitCleanlyOnSignals(app: INestApplicationContext, name: string): void {
  const logger = new Logger(name);
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: shutting down`);
    const forced = setTimeout(() => {
      logger.error('shutdown took longer than 25 s: exiting');
      process.exit(1);
    }, 25_000);
    forced.unref();
    app.close().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error(`shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
