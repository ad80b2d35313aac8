import { INestApplicationContext, Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Never hang: a shutdown still running after this long ends the process with exit code 1. */
const FORCED_EXIT_MS = 25_000;

/** Socket.IO's long-polling requests are held open on purpose; io.close() ends them. */
const isSocketIo = (req: IncomingMessage) => (req.url ?? '').startsWith('/socket.io');

/**
 * Draining an HTTP server without dropping a request: stop accepting connections, close the idle
 * keep-alive ones, and answer every request in flight (or arriving on a connection that is still
 * open) with `Connection: close`, so each connection ends after its last response. Resolves when
 * no request is in flight any more.
 *
 * Must be installed after app.init(): Socket.IO (engine.io) replaces the server's 'request'
 * listeners when it attaches.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;
  private idle: (() => void) | null = null;

  constructor(private readonly server: Server) {
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.draining) res.setHeader('Connection', 'close');
      if (isSocketIo(req)) return;
      this.inFlight.add(res);
      res.once('close', () => {
        this.inFlight.delete(res);
        if (this.inFlight.size === 0) this.idle?.();
      });
    });
  }

  drain(): Promise<void> {
    this.draining = true;
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    // Stops listening and (node >= 19) closes the connections that have no request in flight.
    this.server.close();
    this.server.closeIdleConnections();
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }
}

/**
 * SIGTERM/SIGINT: `drain` first (readiness 503, stop taking work, finish what is in flight), then
 * app.close() runs every shutdown hook (Socket.IO clients are disconnected and reconnect to
 * another process, BullMQ workers finish their jobs, Redis and the database close), then exit 0.
 * Nest's own enableShutdownHooks re-raises the signal after closing, which exits 143 instead of 0.
 */
export function exitCleanlyOnSignals(
  app: INestApplicationContext,
  name: string,
  drain: () => Promise<void>,
): void {
  const logger = new Logger(name);
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: draining, then shutting down`);
    const forced = setTimeout(() => {
      logger.error(`shutdown took longer than ${FORCED_EXIT_MS / 1000} s: exiting`);
      process.exit(1);
    }, FORCED_EXIT_MS);
    forced.unref();
    drain()
      .then(() => app.close())
      .then(
        () => {
          logger.log('stopped');
          process.exit(0);
        },
        (error: Error) => {
          logger.error(`shutdown failed: ${error.message}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
