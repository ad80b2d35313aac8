import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';

/**
 * Security headers and CORS for browsers.
 *
 * - helmet's defaults on every response: `X-Content-Type-Options: nosniff`, `X-Frame-Options` and
 *   CSP `frame-ancestors`, a CSP limited to the API's own origin, HSTS, COOP/CORP, ... Swagger UI
 *   (/docs) and the queue dashboard (/admin/queues) run under that CSP as they are (their scripts
 *   and styles are served by the API; checked in Chromium by test/browser-security.e2e-spec.ts).
 *   One change: no `upgrade-insecure-requests`, because the API is also reached over plain HTTP
 *   (development on a LAN address, TLS ended at a proxy), where that directive makes the browser
 *   fetch the UIs' scripts over HTTPS and the pages stay blank.
 * - CORS_ORIGINS: only listed origins get CORS headers, credentials included; any other origin gets
 *   none, so browsers keep its pages from reading responses. Unset: no cross-origin access.
 */
export function applyBrowserSecurity(app: NestExpressApplication, corsOrigins: string[]): void {
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if (corsOrigins.length > 0) {
    const allowed = new Set(corsOrigins);
    app.enableCors({
      // A function rather than the list: an unlisted origin then gets no CORS header at all
      // (with the list, `Access-Control-Allow-Credentials: true` would still reach it).
      origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
      credentials: true,
    });
  }
}
