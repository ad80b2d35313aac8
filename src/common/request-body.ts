import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { parse as parseQueryString } from 'qs';
import { ErrorBody, errorBody } from './error-response';
import { rejectFormPrototypeKeys } from './form-keys';
import { rejectDeepJson } from './json-depth';

/** The largest body read, after decompression (413 over it). */
export const MAX_BODY_BYTES = 100 * 1024;

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
/**
 * Fastify's own limit on the parsers, off: it would refuse a compressed body by its
 * Content-Length, before decoding; MAX_BODY_BYTES is applied in preParsing (see decodedBody).
 */
const UNLIMITED = Number.MAX_SAFE_INTEGER;
/** More fields than this in a urlencoded body is a 413. */
const MAX_FORM_FIELDS = 1000;

/**
 * The answers to errors of reading a body, by their `type` (see bodyError).
 */
const BODY_ERRORS: Record<string, { status: number; message: string | string[] }> = {
  'entity.too.large': { status: 413, message: 'Request body is larger than 100 kB' },
  'entity.too.deep': { status: 400, message: 'JSON body is nested too deeply' },
  'entity.forbidden.key': { status: 400, message: ['property __proto__ should not exist'] },
  'encoding.unsupported': { status: 415, message: 'Unsupported body encoding' },
  'encoding.failed': {
    status: 400,
    message: 'Request body could not be decoded with its Content-Encoding',
  },
  'parameters.too.many': { status: 413, message: 'too many parameters' },
  'querystring.parse.rangeError': { status: 400, message: 'The input exceeded the depth' },
  'charset.unsupported': { status: 415, message: 'Unsupported body charset' },
};

/**
 * An error of reading a body, before any route runs (these, json-depth.ts and form-keys.ts), by
 * its `type`: the names body-parser gives the same errors.
 */
export function bodyError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, type });
}

/** The answer to an error of reading a body (AllExceptionsFilter), or undefined. */
export function bodyErrorResponse(error: unknown): ErrorBody | undefined {
  const known = BODY_ERRORS[(error as { type?: string } | null)?.type ?? ''];
  return known && errorBody(known.status, known.message);
}

/**
 * The error a body would get from its headers alone (charset, encoding, declared size), or
 * undefined: for a request refused before its body is read (a malformed path), which the body's
 * error still wins over, as it always did.
 */
export function bodyHeaderError(request: FastifyRequest): ErrorBody | undefined {
  const type = mediaType(request);
  if (type.name !== JSON_TYPE && type.name !== FORM_TYPE) return undefined;
  try {
    refuseByHeaders(request, type);
  } catch (error) {
    return bodyErrorResponse(error);
  }
  return undefined;
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
    { parseAs: 'buffer', bodyLimit: UNLIMITED },
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
    { parseAs: 'buffer', bodyLimit: UNLIMITED },
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
      const type = mediaType(request);
      if (type.name !== JSON_TYPE && type.name !== FORM_TYPE) return done(null, payload);
      done(null, decodedBody(request, payload, refuseByHeaders(request, type)));
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

interface MediaType {
  name: string;
  charset: string | undefined;
}

function mediaType(request: FastifyRequest): MediaType {
  const [name, ...params] = (request.headers['content-type'] ?? '').split(';');
  const charset = params
    .map((p) => /^\s*charset\s*=\s*"?([^";]*)"?\s*$/i.exec(p)?.[1])
    .find((value) => value !== undefined);
  return { name: name.trim().toLowerCase(), charset: charset?.toLowerCase() };
}

/** The charset a read body is decoded with: JSON any `utf-*`, forms UTF-8 or ISO-8859-1. */
function charsetOf(type: MediaType): string {
  const charset = type.charset ?? 'utf-8';
  const readable =
    type.name === JSON_TYPE
      ? charset.startsWith('utf-')
      : charset === 'utf-8' || charset === 'iso-8859-1';
  if (!readable || !decoderExists(charset)) {
    throw bodyError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`);
  }
  return charset;
}

function decoderExists(charset: string): boolean {
  try {
    new TextDecoder(charset);
    return true;
  } catch {
    return false;
  }
}

function parseJson(request: FastifyRequest, body: Buffer): unknown {
  const charset = charsetOf(mediaType(request));
  rejectDeepJson(request, undefined, body);
  const text = new TextDecoder(charset).decode(body);
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*([^ \t\n\r])/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new BadRequestException(topLevelMessage(text, first));
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // JSON.parse's own words, which say where (as they always did).
    throw new BadRequestException((error as Error).message);
  }
}

/**
 * JSON.parse's message for the first character of a body whose top level is not an object or
 * an array, as if that character were invalid (body-parser's strict mode words it so).
 */
function topLevelMessage(text: string, first: string | undefined): string {
  const index = first === undefined ? -1 : text.indexOf(first);
  const partial = index === -1 ? '' : text.slice(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(partial);
    return 'strict violation';
  } catch (error) {
    return (error as Error).message.replace(/#+/g, (run) => text.slice(index, index + run.length));
  }
}

function parseForm(request: FastifyRequest, body: Buffer): unknown {
  const charset = charsetOf(mediaType(request)) as 'utf-8' | 'iso-8859-1';
  rejectFormPrototypeKeys(request, undefined, body);
  const text = new TextDecoder(charset).decode(body);
  if (text.length === 0) return {};
  const fields = text.split('&').length;
  if (fields > MAX_FORM_FIELDS) {
    throw bodyError(413, 'parameters.too.many', 'too many parameters');
  }
  // As body-parser's `extended: false` reads them.
  try {
    return parseQueryString(text, {
      allowPrototypes: true,
      arrayLimit: fields,
      depth: 0,
      charset,
      parameterLimit: MAX_FORM_FIELDS,
      strictDepth: true,
    });
  } catch (error) {
    if (error instanceof RangeError) {
      throw bodyError(400, 'querystring.parse.rangeError', 'The input exceeded the depth');
    }
    throw error;
  }
}

const DECODERS: Record<string, (() => Transform) | undefined> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * What the headers of a body to read already refuse, in body-parser's order: its charset (415),
 * its Content-Encoding (415), its declared size (413; of a compressed body, the decoded size
 * counts). The decoder of its Content-Encoding, undefined for identity.
 */
function refuseByHeaders(request: FastifyRequest, type: MediaType): (() => Transform) | undefined {
  charsetOf(type);
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') {
    if (Number(request.headers['content-length']) > MAX_BODY_BYTES) throw tooLarge();
    return undefined;
  }
  const decoder = DECODERS[encoding];
  if (!decoder) {
    throw bodyError(415, 'encoding.unsupported', `unsupported content encoding "${encoding}"`);
  }
  return decoder;
}

/**
 * The body as the parser reads it: decoded per Content-Encoding and cut off over MAX_BODY_BYTES.
 * `receivedEncodedLength` tells Fastify how many bytes arrived, to check them against
 * Content-Length.
 */
function decodedBody(
  request: FastifyRequest,
  payload: Readable,
  decoder: (() => Transform) | undefined,
): Readable {
  // An identity body of known length was checked by its Content-Length (Node reads no more);
  // a chunked one is counted here.
  if (!decoder && request.headers['content-length'] !== undefined) return payload;
  const decoding = decoder?.() ?? new PassThrough();
  let decodedLength = 0;
  const out = Object.assign(new PassThrough(), { receivedEncodedLength: 0 });
  // Fastify listens for errors only while it reads (not once it refused the body by its
  // Content-Length): an error after that must not become an uncaught exception.
  out.on('error', () => undefined);
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
