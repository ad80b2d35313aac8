import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import type { AppConfig } from '../config';
import { rootLogger } from './app-logger';

/** Probes and scrapes arrive every few seconds: logging each would drown the real requests. */
const QUIET_PATHS = /^\/(health(\/live|\/ready)?|metrics)(\?|$)/;

const REQUEST_ID = /^[\w.-]{1,64}$/;

type LoggedRequest = IncomingMessage & {
  id?: unknown;
  originalUrl?: string;
  user?: { id?: unknown };
};

/**
 * What a log line says of its request: id, method and URL. Built once per request (pino-http
 * binds it to the request's child logger), so it is kept to what identifies the request: no
 * headers (nothing to redact, nothing to copy), query or parameters (the URL has them).
 */
function requestSerializer(req: LoggedRequest) {
  return { id: req.id, method: req.method, url: req.originalUrl ?? req.url };
}

/** The status of the answer (null when the request ended before its headers were sent). */
function responseSerializer(res: ServerResponse) {
  return { statusCode: res.headersSent ? res.statusCode : null };
}

/** The request log line names the signed-in user, when there is one. */
function withUser<T extends object>(req: LoggedRequest, line: T): T {
  const id = req.user?.id;
  if (typeof id === 'string') (line as T & { userId?: string }).userId = id;
  return line;
}

/**
 * Structured JSON logs through the process's one pino logger (see app-logger.ts); every request
 * gets an id (from X-Request-Id or new) echoed back. One line per request once it is answered:
 * request id, method, URL, status, response time, and the user id when signed in.
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
                typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
            // Our serializers as they are: pino-http's wrapping would first build the full
            // standard request object (every header copied and redacted) on every request.
            wrapSerializers: false,
            serializers: {
              req: requestSerializer,
              res: responseSerializer,
              err: pino.stdSerializers.err,
            },
            customSuccessObject: (req, _res, line: object) => withUser(req as LoggedRequest, line),
            customErrorObject: (req, _res, _error, line: object) =>
              withUser(req as LoggedRequest, line),
            autoLogging: { ignore: (req) => QUIET_PATHS.test(req.url ?? '') },
          },
        }),
      ],
    };
  }
}
