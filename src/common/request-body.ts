import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { parse as parseQueryString } from 'qs';
import { rejectFormPrototypeKeys } from './form-keys';
import { rejectDeepJson } from './json-depth';

/** The largest body read, after decompression (413 over it). */
export const MAX_BODY_BYTES = 100 * 1024;

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
/** More fields than this in a urlencoded body is a 413. */
const MAX_FORM_FIELDS = 1000;

/**
 * An error of reading a body, before any route runs; AllExceptionsFilter answers it by `type`
 * (the names body-parser gives the same errors).
 */
export function bodyError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, type });
}

/**
 * How the API reads request bodies (the contract's "JSON in"), on the Fastify instance before
 * any route is added:
 *
 * - `application/json`: UTF-8 (or another `utf-*` charset, else 415); an empty body is `{}`; the
 *   top level must be an object or an array; nesting deeper than MAX_JSON_DEPTH is a 400 before
 *   parsing; `__proto__` and `constructor` keys are kept as plain keys (JSON.parse), so the
 *   validation pipe refuses them like any unknown field, with its message.
 * - `application/x-www-form-urlencoded` (RFC 8058 one-click unsubscribe): UTF-8 or ISO-8859-1,
 *   flat keys (qs at depth 0, repeated keys an array), a `__proto__` key refused.
 * - Any other or no content type: not read at all; the route sees no body (validation decides).
 * - `Content-Encoding` gzip, deflate, br or identity on the two read types; any other is 415, a
 *   body that does not decode is 400. MAX_BODY_BYTES applies to the decoded body (413).
 *
 * Fastify's own parsers would answer several of these differently (an empty JSON body is a 400,
 * `__proto__` a different 400, text/plain is read as a string, other types are a 415, no
 * Content-Encoding is understood), so they are replaced.
 */
export function readRequestBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    JSON_TYPE,
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (request, body: Buffer, done) => {
      try {
        done(null, hasBody(request.raw) ? parseJson(request, body) : undefined);
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  fastify.addContentTypeParser(
    FORM_TYPE,
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (request, body: Buffer, done) => {
      try {
        done(null, hasBody(request.raw) ? parseForm(request, body) : undefined);
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  // Not read: Node discards the rest of the body once the response is sent.
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    try {
      done(null, isReadType(request) ? decodedBody(request, payload) : payload);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** A request without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3). */
function hasBody(req: IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined
  );
}

function mediaType(request: FastifyRequest): { type: string; charset: string | undefined } {
  const [type, ...params] = (request.headers['content-type'] ?? '').split(';');
  const charset = params
    .map((p) => /^\s*charset\s*=\s*"?([^";]*)"?\s*$/i.exec(p)?.[1])
    .find((value) => value !== undefined);
  return { type: type.trim().toLowerCase(), charset: charset?.toLowerCase() };
}

function isReadType(request: FastifyRequest): boolean {
  const { type } = mediaType(request);
  return type === JSON_TYPE || type === FORM_TYPE;
}

function decodeText(body: Buffer, charset: string): string {
  let decoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw bodyError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`);
  }
  return decoder.decode(body);
}

function parseJson(request: FastifyRequest, body: Buffer): unknown {
  const charset = mediaType(request).charset ?? 'utf-8';
  if (!charset.startsWith('utf-')) {
    throw bodyError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`);
  }
  rejectDeepJson(request, undefined, body);
  const text = decodeText(body, charset);
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    throw bodyError(400, 'entity.parse.failed', 'JSON body must be an object or an array');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw bodyError(400, 'entity.parse.failed', (error as Error).message);
  }
}

function parseForm(request: FastifyRequest, body: Buffer): unknown {
  const charset = mediaType(request).charset ?? 'utf-8';
  if (charset !== 'utf-8' && charset !== 'iso-8859-1') {
    throw bodyError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`);
  }
  rejectFormPrototypeKeys(request, undefined, body);
  const text = decodeText(body, charset);
  if (text.length === 0) return {};
  const fields = text.split('&').length;
  if (fields > MAX_FORM_FIELDS) {
    throw bodyError(413, 'parameters.too.many', 'too many parameters');
  }
  // As body-parser's `extended: false` reads them.
  return parseQueryString(text, {
    allowPrototypes: true,
    arrayLimit: fields,
    depth: 0,
    charset,
    parameterLimit: MAX_FORM_FIELDS,
    strictDepth: true,
  });
}

const DECODERS: Record<string, (() => Transform) | undefined> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The body as the parser reads it: decoded per Content-Encoding and cut off over MAX_BODY_BYTES.
 * `receivedEncodedLength` tells Fastify how many bytes arrived, to check them against
 * Content-Length.
 */
function decodedBody(request: FastifyRequest, payload: Readable): Readable {
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return payload;
  const decoder = DECODERS[encoding];
  if (!decoder) {
    throw bodyError(415, 'encoding.unsupported', `unsupported content encoding "${encoding}"`);
  }
  const decoding = decoder();
  let decodedLength = 0;
  const out = Object.assign(new PassThrough(), { receivedEncodedLength: 0 });
  payload.on('data', (chunk: Buffer) => (out.receivedEncodedLength += chunk.length));
  payload.on('error', (error) => out.destroy(error));
  decoding.on('error', () =>
    out.destroy(
      bodyError(
        400,
        'encoding.failed',
        'Request body could not be decoded with its Content-Encoding',
      ),
    ),
  );
  decoding.on('data', (chunk: Buffer) => {
    decodedLength += chunk.length;
    if (decodedLength > MAX_BODY_BYTES) {
      payload.unpipe(decoding);
      decoding.destroy();
      out.destroy(tooLarge());
    } else out.write(chunk);
  });
  decoding.on('end', () => out.end());
  payload.pipe(decoding);
  return out;
}

function tooLarge(): Error {
  return bodyError(413, 'entity.too.large', 'request entity too large');
}
