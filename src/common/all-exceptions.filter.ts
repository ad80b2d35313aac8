import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpServer,
  Logger,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ErrorBody, errorBody } from './error-response';
import { isInfrastructureOutage } from './infrastructure-errors';
import { bodyErrorResponse } from './request-body';

/** What the filter reads of a request: Fastify's, or Node's in a middleware (no `raw`). */
interface AnyRequest {
  method?: string;
  url?: string;
  id?: unknown;
  raw?: IncomingMessage & { id?: unknown };
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'string') return errorBody(status, response);
  const { statusCode: _s, error: _e, message, ...extra } = response as Record<string, unknown>;
  const text =
    typeof message === 'string' || Array.isArray(message)
      ? (message as string | string[])
      : exception.message;
  return errorBody(status, text, extra);
}

/**
 * Every HTTP error leaves in the contract's shape. Known faults keep their status; an outage of
 * Redis or PostgreSQL is a 503; anything else is a real fault: logged with the request id, 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  /** The HTTP adapter replies: the response is Fastify's reply, or Node's in a middleware. */
  constructor(private readonly http: HttpServer) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<object>();
    const body = this.toBody(exception, ctx.getRequest<AnyRequest>());
    if (this.http.isHeadersSent(res) || (res as { headersSent?: boolean }).headersSent) return;
    this.http.reply(res, body, body.statusCode);
  }

  private toBody(exception: unknown, req: AnyRequest): ErrorBody {
    if (exception instanceof HttpException) return fromHttpException(exception);
    const bodyError = bodyErrorResponse(exception);
    if (bodyError) return bodyError;
    if (isInfrastructureOutage(exception)) {
      this.logger.warn(
        `${req.method} ${req.url} [${requestId(req)}]: ${(exception as Error).message}`,
      );
      return errorBody(503, 'A backing service is unavailable, try again shortly');
    }
    this.logger.error(
      `${req.method} ${req.url} [${requestId(req)}]: ${(exception as Error)?.stack ?? String(exception)}`,
    );
    return errorBody(500, 'Internal server error');
  }
}

/** Fastify's request id (see requestIdFor); a Node request in a middleware carries it too. */
function requestId(req: AnyRequest): string {
  const id = req.id ?? req.raw?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '-';
}
