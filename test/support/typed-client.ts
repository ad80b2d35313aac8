import createClient, { type Client, type Middleware } from 'openapi-fetch';
import request from 'supertest';
import type { paths } from './api-types';
import { documentOf, OpenApiResponses } from './openapi-responses';
import type { ApiInstance } from './test-stack';

export type ApiClient = Client<paths>;

/**
 * An openapi-fetch client typed by the types generated from docs/openapi.json (api-types.ts):
 * a path, parameter, body or response field the document does not have is a type error. Like
 * `http()`, every response is checked against the document the instance serves.
 */
export function typedClient(api: ApiInstance): ApiClient {
  const client = createClient<paths>({ baseUrl: api.url });
  client.use(checkedResponses(documentOf(() => request(api.url))));
  return client;
}

function checkedResponses(responses: () => Promise<OpenApiResponses>): Middleware {
  return {
    async onResponse({ request: sent, response }) {
      const text = await response.clone().text();
      const headers = Object.fromEntries(response.headers.entries());
      const json = /json/.test(headers['content-type'] ?? '') && text !== '';
      const problems = (await responses()).problems(sent.method, sent.url, {
        status: response.status,
        headers,
        body: json ? (JSON.parse(text) as unknown) : {},
        text,
      });
      if (problems.length > 0) {
        throw new Error(`Response not as documented in OpenAPI:\n${problems.join('\n')}`);
      }
      return response;
    },
  };
}

/** The `Authorization` header of a signed-in session. */
export function signedIn(session: { accessToken: string }): { Authorization: string } {
  return { Authorization: `Bearer ${session.accessToken}` };
}

/** The body of a response that must have `status`; fails the test with the error body otherwise. */
export function expectBody<T>(
  result: { data?: T; error?: unknown; response: Response },
  status: number,
): T {
  expect({ status: result.response.status, error: result.error }).toEqual({
    status,
    error: undefined,
  });
  if (result.data === undefined) throw new Error(`${result.response.url}: no body`);
  return result.data;
}
