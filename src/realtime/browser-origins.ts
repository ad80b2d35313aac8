import type { ServerOptions } from 'socket.io';

/**
 * Browser access to Socket.IO (CORS_ORIGINS). Browsers apply CORS to the long-polling transport
 * only, never to WebSockets, so the server checks `Origin` itself on every Engine.IO request
 * (`allowRequest`): a listed origin, or no `Origin` at all (a native client: apps, servers,
 * scripts) is let in; any other `Origin` is refused with 403 before a Socket.IO connection
 * exists. `cors` adds the CORS headers (credentials included) for listed origins' polling requests.
 */
export function browserOriginOptions(
  origins: string[],
): Pick<ServerOptions, 'cors' | 'allowRequest'> {
  const allowed = new Set(origins);
  const listed = (origin: string | undefined) => origin !== undefined && allowed.has(origin);
  return {
    // As for HTTP (src/common/browser-security.ts): no CORS header at all for other origins.
    cors:
      origins.length > 0
        ? { origin: (origin, callback) => callback(null, listed(origin)), credentials: true }
        : undefined,
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      if (origin === undefined || listed(origin)) callback(null, true);
      else callback('origin not allowed', false);
    },
  };
}
