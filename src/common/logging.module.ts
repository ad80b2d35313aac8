import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config';
import { rootLogger } from './app-logger';

/** Probes and scrapes arrive every few seconds: logging each would drown the real requests. */
const QUIET_PATHS = /^\/(health(\/live|\/ready)?|metrics)(\?|$)/;

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
            genReqId: (req: IncomingMessage, res: ServerResponse) => {
              const header = req.headers['x-request-id'];
              const id =
                typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
            autoLogging: { ignore: (req) => QUIET_PATHS.test(req.url ?? '') },
          },
        }),
      ],
    };
  }
}
