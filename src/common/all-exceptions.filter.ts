import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorBody, errorBody } from './error-response';
import { isInfrastructureOutage } from './infrastructure-errors';

/** body-parser's error types, raised before any route runs. */
const BODY_PARSER_ERRORS: Record<string, { status: number; message: string | string[] }> = {
  'entity.parse.failed': { status: 400, message: 'Malformed JSON body' },
  'entity.too.large': { status: 413, message: 'Request body is larger than 100 kB' },
  'entity.too.deep': { status: 400, message: 'JSON body is nested too deeply' },
  'entity.forbidden.key': { status: 400, message: ['property __proto__ should not exist'] },
  'encoding.unsupported': { status: 415, message: 'Unsupported body encoding' },
  'charset.unsupported': { status: 415, message: 'Unsupported body charset' },
  'request.aborted': { status: 400, message: 'Request aborted' },
  'request.size.invalid': { status: 400, message: 'Request size did not match Content-Length' },
};

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

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const body = this.toBody(exception, req);
    if (res.headersSent) return;
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, req: Request): ErrorBody {
    if (exception instanceof HttpException) return fromHttpException(exception);
    const parserError = BODY_PARSER_ERRORS[(exception as { type?: string })?.type ?? ''];
    if (parserError) return errorBody(parserError.status, parserError.message);
    const clientError = exposedClientError(exception);
    if (clientError) return clientError;
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

/**
 * An http-errors 4xx raised before any route runs, outside the known types above: body-parser
 * wraps the zlib error of a body that does not match its `Content-Encoding` (gzip, deflate, br)
 * as a typeless 400. Its status stands; its text is zlib's, so the message says what happened.
 */
function exposedClientError(exception: unknown): ErrorBody | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { status, expose, errno, message } = exception as Record<string, unknown>;
  if (typeof status !== 'number' || status < 400 || status > 499 || expose !== true) {
    return undefined;
  }
  if (typeof errno === 'number') {
    return errorBody(status, 'Request body could not be decoded with its Content-Encoding');
  }
  return errorBody(status, typeof message === 'string' && message ? message : 'Bad request');
}

function requestId(req: Request): string {
  return typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : '-';
}
