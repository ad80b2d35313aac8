import fastifyHelmet from '@fastify/helmet';
import helmet, { HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers for browsers: helmet's defaults on every response (`X-Content-Type-Options:
 * nosniff`, `X-Frame-Options` and CSP `frame-ancestors`, a CSP limited to the API's own origin,
 * HSTS, COOP/CORP, ...). Swagger UI (/docs) and the queue dashboard (/admin/queues) run under
 * that CSP as they are (their scripts and styles are served by the API; checked in Chromium by
 * test/browser-security.e2e-spec.ts). One change: no `upgrade-insecure-requests`, because the API
 * is also reached over plain HTTP (development on a LAN address, TLS ended at a proxy), where
 * that directive makes the browser fetch the UIs' scripts over HTTPS and the pages stay blank.
 *
 * Registered (and awaited) on the Fastify instance before Nest adds its hooks, so that its
 * `onRequest` hook runs first: CORS preflights and the responses Nest middleware ends itself (the
 * queue dashboard's 401) carry the headers too.
 */
export async function sendSecurityHeaders(fastify: FastifyInstance): Promise<void> {
  await fastify.register(fastifyHelmet, HELMET_OPTIONS);
}

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
};
const applyHelmet = helmet(HELMET_OPTIONS);

/** The same headers on a response answered before any hook runs (the router's refusals). */
export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse): void {
  applyHelmet(req, res, () => undefined);
}

/**
 * CORS_ORIGINS: only listed origins get CORS headers, credentials included; any other origin gets
 * none, so browsers keep its pages from reading responses. Unset: no cross-origin access.
 */
export function allowCorsOrigins(app: NestFastifyApplication, corsOrigins: string[]): void {
  if (corsOrigins.length === 0) return;
  const allowed = new Set(corsOrigins);
  app.enableCors({
    // A function rather than the list: an unlisted origin then gets no CORS header at all
    // (with the list, `Access-Control-Allow-Credentials: true` would still reach it).
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    // The methods the API has (the default of @fastify/cors leaves out PUT, PATCH and DELETE).
    methods: 'GET,HEAD,PUT,PATCH,POST,DELETE',
  });
}
