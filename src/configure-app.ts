import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import fastify from 'fastify';
import { Logger } from 'nestjs-pino';
import { parse as parseQuery } from 'node:querystring';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { allowCorsOrigins, sendSecurityHeaders } from './common/browser-security';
import { answerClientErrorAsJson, answerRouterErrorAsJson } from './common/client-errors';
import { InputValidationPipe } from './common/input-validation.pipe';
import { MAX_BODY_BYTES, readRequestBodies } from './common/request-body';
import { requestIdFor } from './common/request-id';
import { keepResponseConventions } from './common/response-conventions';
import { HttpMetrics } from './metrics/http-metrics';
import { buildOpenApiDocument } from './openapi/openapi-document';
import type { AppConfig } from './config';
import { RedisIoAdapter } from './realtime/redis-io.adapter';

/** Longest path parameter routed (Fastify's default, 100, would make a longer one a 404). */
const MAX_PARAM_LENGTH = 16 * 1024;

/**
 * The HTTP server of an API application: Fastify, configured so that the API answers as the
 * contract says. Pass it to NestFactory.create, then call configureApp.
 */
export async function createHttpAdapter(config: AppConfig): Promise<FastifyAdapter> {
  const instance = fastify({
    bodyLimit: MAX_BODY_BYTES,
    // Numeric hop count, never `true`: with `true` a client writes its own X-Forwarded-For.
    trustProxy: config.trustProxy > 0 ? config.trustProxy : false,
    genReqId: requestIdFor,
    // Requests Node's parser refuses get the error shape too.
    clientErrorHandler: answerClientErrorAsJson,
    // The router's own refusals (a path that does not percent-decode) get it too.
    frameworkErrors: answerRouterErrorAsJson,
    routerOptions: {
      // Paths match case-insensitively and with or without a trailing slash.
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: MAX_PARAM_LENGTH,
      // Node's parser, as Express's "simple" one: a repeated key is an array, a malformed escape
      // decodes to U+FFFD, `__proto__` is a plain key (the validation pipe refuses it).
      querystringParser: (query) => parseQuery(query),
    },
  });
  // A GET (or HEAD) body is read like any other, as it always was: a malformed one is a 400.
  for (const method of ['GET', 'HEAD']) {
    instance.addHttpMethod(method, { hasBody: true, overrideExisting: true });
  }
  // First of all hooks (see sendSecurityHeaders), then the request id every response echoes.
  await sendSecurityHeaders(instance);
  instance.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader('X-Request-Id', request.id);
    done();
  });
  readRequestBodies(instance);
  await keepResponseConventions(instance);
  return new FastifyAdapter(instance as never);
}

/**
 * Everything an API application needs beyond its modules and its HTTP adapter. main.ts and the
 * e2e tests both call this, so tests run the application exactly as production does.
 */
export function configureApp(
  app: NestFastifyApplication,
  config: AppConfig,
): NestFastifyApplication {
  app.useLogger(app.get(Logger));
  const http = app.getHttpAdapter().getInstance();
  app.get(HttpMetrics).observe(http);
  allowCorsOrigins(app, config.corsOrigins);
  app.useGlobalPipes(new InputValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(app.getHttpAdapter()));
  // Before listen: the Socket.IO server is created at init, already on the Redis adapter.
  app.useWebSocketAdapter(new RedisIoAdapter(app));

  const document = buildOpenApiDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
