import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type {
  OpenAPIObject,
  OperationObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { AppConfig } from '../config';
import { ErrorResponse } from '../common/openapi/error-response.dto';
import { applyRouteConventions, BEARER, SHARED_HEADERS } from './openapi-conventions';

const TAGS: Record<string, string> = {
  auth: 'Sign-up, sign-in, tokens and sessions',
  users: 'The signed-in user',
  companies: 'Company profiles, settings and team invitations',
  shipments: 'Capacity that companies offer on a route',
  bookings: 'Customers booking shipment capacity, and its life cycle',
  payments: 'Paying for confirmed bookings',
  reviews: 'Customer reviews of companies',
  notifications: 'In-app notifications (also pushed over Socket.IO)',
  chat: 'Conversation history (messages are sent over Socket.IO)',
  admin: 'Platform administration (ADMIN only)',
  email: 'Unsubscribe links of marketing emails (no sign-in: the signed token authorises)',
  health: 'Liveness and readiness',
  metrics: 'Prometheus metrics',
};

/**
 * The OpenAPI document the API serves at /docs-json: built from the controllers' decorators and
 * the route conventions. Operation ids are the handlers' names, so they must be unique.
 */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Parcsal API')
    .setDescription(
      'Parcel-shipping marketplace: shipments, bookings, payments, chat, reviews. ' +
        'Every error has the body `ErrorResponse`. Realtime events (Socket.IO) are described in ' +
        'docs/realtime.md of the repository.',
    )
    .setVersion('1.0')
    .setLicense('UNLICENSED', 'https://en.wikipedia.org/wiki/All_rights_reserved')
    .addServer(config.publicUrl, 'This API (PUBLIC_URL)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER);
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (_controller, method) => method,
    extraModels: [ErrorResponse],
  });
  document.components = { ...document.components, headers: SHARED_HEADERS };
  applyRouteConventions(app, document);
  assertUniqueOperationIds(document);
  return document;
}

function assertUniqueOperationIds(document: OpenAPIObject): void {
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, OperationObject][]) {
      const where = `${method.toUpperCase()} ${path}`;
      const id = operation.operationId ?? '';
      if (seen.has(id)) {
        throw new Error(
          `OpenAPI: ${where} and ${seen.get(id)} share the operationId "${id}": ` +
            'name handlers uniquely (the handler name is the operationId)',
        );
      }
      seen.set(id, where);
    }
  }
}
