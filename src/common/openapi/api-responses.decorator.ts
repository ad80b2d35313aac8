import { applyDecorators, HttpCode, Type } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
} from '@nestjs/swagger';
import { ERROR_DESCRIPTIONS, ErrorStatus } from './error-statuses';
import { ErrorResponse } from './error-response.dto';

/** A handler whose result is (a promise of) T. */
type Handler<T> = (...args: never[]) => T | Promise<T>;
/**
 * A method decorator that only compiles on a handler returning T: the documented response type
 * and what the handler really returns cannot drift apart.
 */
type TypedMethodDecorator<T> = <F extends Handler<T>>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<F>,
) => void;

function typed<T>(decorator: MethodDecorator): TypedMethodDecorator<T> {
  return (target, key, descriptor) => {
    decorator(target, key, descriptor);
  };
}

/** The operation's summary (its operationId is the handler's name, unique across the API). */
export const Summary = (summary: string, description?: string) =>
  ApiOperation({ summary, ...(description ? { description } : {}) });

/** 200 with a `type` body (or a list of them). */
export function ApiOk<T>(type: Type<T>, description?: string): TypedMethodDecorator<T>;
export function ApiOk<T>(type: [Type<T>], description?: string): TypedMethodDecorator<T[]>;
export function ApiOk(type: Type | [Type], description = 'OK'): TypedMethodDecorator<unknown> {
  return typed(applyDecorators(HttpCode(200), ApiOkResponse({ type, description })));
}

/** 201 with a `type` body. */
export function ApiCreated<T>(type: Type<T>, description = 'Created'): TypedMethodDecorator<T> {
  return typed(applyDecorators(HttpCode(201), ApiCreatedResponse({ type, description })));
}

/** 202 with a `type` body: accepted, the work happens later. */
export function ApiAccepted<T>(type: Type<T>, description = 'Accepted'): TypedMethodDecorator<T> {
  return typed(applyDecorators(HttpCode(202), ApiAcceptedResponse({ type, description })));
}

/** 204, no body. */
export function ApiNoContent(description = 'Done; no body'): TypedMethodDecorator<void> {
  return typed(applyDecorators(HttpCode(204), ApiNoContentResponse({ description })));
}

/**
 * Errors particular to this operation, in the shared error shape. The ones every route shares
 * (400 on input, 401, 403 for @Roles, 404 on path ids, 413, 415, 429, 503) are added from the
 * route's metadata when the document is built (see src/openapi/openapi-conventions.ts).
 */
export function ApiErrors(errors: Partial<Record<ErrorStatus, string>>): MethodDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description: description ?? ERROR_DESCRIPTIONS[Number(status) as ErrorStatus],
        type: ErrorResponse,
      }),
    ),
  );
}
