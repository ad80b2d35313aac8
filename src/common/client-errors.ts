import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';
import { errorBody } from './error-response';
import { setSecurityHeaders } from './browser-security';
import { bodyHeaderError } from './request-body';
import { weakEtagOf } from './response-conventions';

/** Node's parser errors that have their own status; any other malformed request is a 400. */
const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before any route sees them
 * (a URL or headers over 16 kB, malformed request lines) get the contract's error shape like
 * every other error, rather than Fastify's own body.
 */
export function answerClientErrorAsJson(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
  const body = JSON.stringify(
    errorBody(
      status,
      status === 431 ? 'Request line or headers are too large' : 'Malformed HTTP request',
    ),
  );
  socket.end(
    `HTTP/1.1 ${status} ${errorBody(status, '').error}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals (a path that does not percent-decode)
 * are answered before any hook or error handler runs, so in the error shape here, with the
 * request id. A body its headers already refuse (415, 413) is that error, as when bodies were
 * read before routing.
 */
export function answerRouterErrorAsJson(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const body =
    bodyHeaderError(request) ??
    errorBody(
      error.statusCode ?? 400,
      error.code === 'FST_ERR_BAD_URL' ? badUrlMessage(request.url) : error.message,
    );
  const text = JSON.stringify(body);
  setSecurityHeaders(request.raw, reply.raw);
  void reply
    .code(body.statusCode)
    .header('X-Request-Id', request.id)
    .header('ETag', weakEtagOf(text))
    .type('application/json; charset=utf-8')
    .send(text);
}

/** The path segment that does not percent-decode, in the words Express's router used. */
function badUrlMessage(url: string): string {
  const path = url.split('?', 1)[0];
  const segment = path.split('/').find((part) => {
    try {
      decodeURIComponent(part);
      return false;
    } catch {
      return true;
    }
  });
  return segment === undefined ? 'Malformed URL path' : `Failed to decode param '${segment}'`;
}
