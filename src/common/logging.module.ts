import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config';
import { rootLogger } from './app-logger';
import { requestIdFor } from './request-id';

/** Probes and scrapes arrive every few seconds: logging each would drown the real requests. */
const QUIET_PATHS = /^\/(health(\/live|\/ready)?|metrics)(\?|$)/;

function originalUrl(req: IncomingMessage & { originalUrl?: string }): string {
  return req.originalUrl ?? req.url ?? '';
}

/**
 * Structured JSON logs through the process's one pino logger (see app-logger.ts); every request
 * gets an id (from X-Request-Id or new) echoed back.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: rootLogger(config.logLevel),
            // The id Fastify gave the request and echoes in X-Request-Id (see requestIdFor;
            // @fastify/middie copies it onto the Node request before Nest middleware runs).
            genReqId: (req: IncomingMessage & { id?: unknown }) =>
              typeof req.id === 'string' ? req.id : requestIdFor(req),
            // originalUrl: middleware mounted on a path sees `url` without it.
            autoLogging: { ignore: (req) => QUIET_PATHS.test(originalUrl(req)) },
          },
        }),
      ],
    };
  }
}
