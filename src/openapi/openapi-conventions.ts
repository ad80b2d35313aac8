import { INestApplication, ParseUUIDPipe, Type } from '@nestjs/common';
import { PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { UserRole } from '../auth/auth-user';
import { IS_PUBLIC } from '../common/public.decorator';
import { ROLES } from '../auth/roles.decorator';
import { CACHED_ROUTE } from '../cache/cache.constants';
import { RATE_LIMITS } from '../rate-limit/rate-limit.decorator';
import { THROTTLER_SKIP } from '../rate-limit/rate-limit.constants';
import { ERROR_DESCRIPTIONS, ErrorStatus } from '../common/openapi/error-statuses';
import { completeSchema, validatorKeywords } from '../common/openapi/validator-constraints';

export const BEARER = 'bearer';
const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponse' };
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': header('RateLimit-Limit'),
  'RateLimit-Remaining': header('RateLimit-Remaining'),
  'RateLimit-Reset': header('RateLimit-Reset'),
};

/** Response headers shared by many operations, referenced from their responses. */
export const SHARED_HEADERS = {
  'RateLimit-Limit': {
    description: 'Requests allowed in the window of the limit closest to running out',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in that window',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until that window resets',
    schema: { type: 'integer', minimum: 0 },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { type: 'integer', minimum: 0 },
  },
  'X-Cache': {
    description: 'Whether the response came from the response cache',
    schema: { type: 'string', enum: ['HIT', 'MISS'] },
  },
};

interface RouteFacts {
  takesBody: boolean;
  isPublic: boolean;
  roles: UserRole[] | undefined;
  rateLimited: boolean;
  rateLimits: string[];
  cached: boolean;
  /** Path parameters that go through ParseUUIDPipe. */
  uuidParams: Set<string>;
}

/**
 * Documents what every route shares from the same metadata the guards and interceptors read, so
 * the document cannot say something the route does not do: `@Public()` → `security: []`, else
 * bearer and 401; `@Roles` → 403; rateLimited (every route without `@SkipThrottle`) → 429 and the
 * RateLimit-* headers, plus 503 (the limiter and the JwtGuard need Redis); a body (any POST,
 * PUT or PATCH) → 400, 413, 415; parameters → 400; a path parameter → 404; `@CachedResponse` →
 * the X-Cache header; the body's and query's limits and formats from their class-validator rules.
 * What a route documents itself is kept.
 */
export function applyRouteConventions(app: INestApplication, document: OpenAPIObject): void {
  const reflector = app.get(Reflector);
  const operations = new Map<string, { operation: OperationObject; method: string }>();
  for (const pathItem of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(pathItem) as [string, OperationObject][]) {
      if (operation.operationId) operations.set(operation.operationId, { operation, method });
    }
  }
  for (const controller of controllers(app)) {
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
      const found = operations.get(name);
      if (!found) continue; // excluded from the document
      const targets = [handler, controller];
      documentRoute(found.operation, {
        // The JSON body parser runs before any route: a POST, PUT or PATCH may send a body
        // (malformed, too large, badly encoded) even where the route reads none.
        takesBody: ['post', 'put', 'patch'].includes(found.method),
        isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
        roles: reflector.getAllAndOverride<UserRole[]>(ROLES, targets),
        rateLimited:
          reflector.getAllAndOverride<boolean>(`${THROTTLER_SKIP}default`, targets) !== true,
        rateLimits: reflector.getAllAndOverride<string[]>(RATE_LIMITS, targets) ?? [],
        cached: Reflect.hasMetadata(CACHED_ROUTE, handler),
        uuidParams: uuidParams(controller, name),
      });
      documentValidators(document, found.operation, controller, name);
    }
  }
}

function documentRoute(operation: OperationObject, route: RouteFacts): void {
  const notes: string[] = [];
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const hasBody = route.takesBody || operation.requestBody !== undefined;
  operation.security = route.isPublic ? [] : [{ [BEARER]: [] }];
  for (const parameter of parameters) {
    if (parameter.in === 'path' && route.uuidParams.has(parameter.name)) {
      parameter.schema = { ...parameter.schema, type: 'string', format: 'uuid' };
    }
  }
  if (hasBody || parameters.length > 0) addError(operation, 400);
  if (!route.isPublic) addError(operation, 401);
  if (route.roles?.length) {
    addError(operation, 403);
    notes.push(`Roles: ${route.roles.join(', ')}.`);
  }
  if (parameters.some((p) => p.in === 'path')) addError(operation, 404);
  if (hasBody) {
    addError(operation, 413);
    addError(operation, 415);
  }
  if (route.rateLimited) {
    addError(operation, 429, { 'Retry-After': header('Retry-After'), ...RATE_LIMIT_HEADERS });
    notes.push(`Rate limits: ${['GLOBAL', ...route.rateLimits].join(', ')}.`);
  }
  if (route.rateLimited || !route.isPublic) addError(operation, 503);
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!status.startsWith('2')) continue;
    const headers = {
      ...(route.rateLimited ? RATE_LIMIT_HEADERS : {}),
      ...(route.cached ? { 'X-Cache': header('X-Cache') } : {}),
    };
    if (Object.keys(headers).length > 0) {
      const success = response as ResponseObject;
      success.headers = { ...headers, ...success.headers };
    }
  }
  if (notes.length > 0) {
    operation.description = [operation.description, ...notes].filter(Boolean).join('\n\n');
  }
}

function addError(
  operation: OperationObject,
  status: ErrorStatus,
  headers?: ResponseObject['headers'],
): void {
  operation.responses[status] ??= {
    description: ERROR_DESCRIPTIONS[status],
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: ERROR_SCHEMA } },
  };
}

interface RouteArgument {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

function routeArguments(controller: Type, method: string): [string, RouteArgument][] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    RouteArgument
  >;
  return Object.entries(args);
}

/**
 * The body's and query's ranges, lengths, formats and enums, from the DTOs' class-validator
 * rules (what the ValidationPipe enforces).
 */
function documentValidators(
  document: OpenAPIObject,
  operation: OperationObject,
  controller: Type,
  method: string,
): void {
  const prototype = controller.prototype as object;
  const types = (Reflect.getMetadata('design:paramtypes', prototype, method) ?? []) as unknown[];
  for (const [key, arg] of routeArguments(controller, method)) {
    const dto = types[arg.index];
    if (arg.data !== undefined || typeof dto !== 'function') continue;
    const keywords = validatorKeywords(dto as Type);
    if (key.startsWith(`${RouteParamtypes.BODY}:`)) {
      const schema = document.components?.schemas?.[dto.name] as SchemaObject | undefined;
      for (const [property, found] of keywords) {
        const target = schema?.properties?.[property] as SchemaObject | undefined;
        if (target) completeSchema(target, found);
      }
    } else if (key.startsWith(`${RouteParamtypes.QUERY}:`)) {
      for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
        const found = keywords.get(parameter.name);
        if (parameter.in === 'query' && found && parameter.schema) {
          completeSchema(parameter.schema as SchemaObject, found);
        }
      }
    }
  }
}

function uuidParams(controller: Type, method: string): Set<string> {
  const names = routeArguments(controller, method)
    .filter(
      ([key, arg]) =>
        key.startsWith(`${RouteParamtypes.PARAM}:`) &&
        typeof arg.data === 'string' &&
        (arg.pipes ?? []).some((p) => p === ParseUUIDPipe || p instanceof ParseUUIDPipe),
    )
    .map(([, arg]) => arg.data as string);
  return new Set(names);
}

function controllers(app: INestApplication): Type[] {
  const found = new Set<Type>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      if (wrapper.metatype) found.add(wrapper.metatype as Type);
    }
  }
  return [...found];
}
