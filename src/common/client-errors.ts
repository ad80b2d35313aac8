import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from './error-response';

/** Node's parser errors that have their own status; any other malformed request is a 400. */
const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Requests Node's HTTP parser refuses before Express sees them (a URL or headers over 16 kB,
 * malformed request lines) got Node's bare "431"/"400" with no body. They get the contract's error
 * shape like every other error.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
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
  });
}
