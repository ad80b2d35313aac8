import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { applyBrowserSecurity } from './common/browser-security';
import { answerClientErrorsAsJson } from './common/client-errors';
import { rejectFormPrototypeKeys } from './common/form-keys';
import { InputValidationPipe } from './common/input-validation.pipe';
import { rejectDeepJson } from './common/json-depth';
import { buildOpenApiDocument } from './openapi/openapi-document';
import type { AppConfig } from './config';
import { RedisIoAdapter } from './realtime/redis-io.adapter';

/**
 * Everything an API application needs beyond its modules. main.ts and the e2e tests both call
 * this, so tests run the application exactly as production does.
 */
export function configureApp(
  app: NestExpressApplication,
  config: AppConfig,
): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Security headers (helmet) and CORS_ORIGINS, before any route can answer.
  applyBrowserSecurity(app, config.corsOrigins);
  // Numeric hop count, never `true`: with `true` a client writes its own X-Forwarded-For.
  app.set('trust proxy', config.trustProxy > 0 ? config.trustProxy : false);
  app.useBodyParser('json', { limit: '100kb', verify: rejectDeepJson });
  app.useBodyParser('urlencoded', {
    limit: '100kb',
    extended: false,
    verify: rejectFormPrototypeKeys,
  });
  app.useGlobalPipes(new InputValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  answerClientErrorsAsJson(app.getHttpServer());
  // Before listen: the Socket.IO server is created at init, already on the Redis adapter.
  app.useWebSocketAdapter(new RedisIoAdapter(app));

  const document = buildOpenApiDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
