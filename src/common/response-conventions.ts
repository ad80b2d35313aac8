import etag from '@fastify/etag';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';

/**
 * What every response carried on Express, kept:
 *
 * - a weak ETag of its body, in Express's form (`W/"<length in hex>-<SHA-1, base64, 27 chars>"`),
 *   and 304 Not Modified to a GET or HEAD whose 2xx answer still matches the client's
 *   If-None-Match (Express's freshness rule: not to any other method or status);
 * - a text body's Content-Type names its charset (`text/html; charset=utf-8`).
 */
export async function keepResponseConventions(fastify: FastifyInstance): Promise<void> {
  await fastify.register(etag, { weak: true, replyWith304: false, hashFn: expressEtag });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof payload === 'string' && typeof type === 'string' && !/;\s*charset=/i.test(type)) {
      void reply.header('content-type', `${type}; charset=utf-8`);
    }
    const tag = reply.getHeader('etag');
    const status = reply.statusCode;
    if (typeof tag === 'string' && ((status >= 200 && status < 300) || status === 304)) {
      if (isFresh(request, tag)) {
        void reply.code(304);
        return done(null, '');
      }
    }
    done(null, payload);
  });
}

/** The ETag Express gives a body: for a response sent without Fastify's hooks. */
export function weakEtagOf(body: string): string {
  return `W/"${expressEtag(body)}"`;
}

function expressEtag(payload: string | Buffer): string {
  const length = Buffer.byteLength(payload);
  if (length === 0) return '0-2jmj7l5rSw0yVb/vlWAYkK/YBwk';
  const hash = createHash('sha1').update(payload).digest('base64').substring(0, 27);
  return `${length.toString(16)}-${hash}`;
}

/** The `fresh` rule Express applies: If-None-Match lists this ETag (weakly) or `*`. */
function isFresh(request: FastifyRequest, tag: string): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const noneMatch = request.headers['if-none-match'];
  if (!noneMatch) return false;
  const cacheControl = request.headers['cache-control'];
  if (cacheControl && /(?:^|,)\s*no-cache\s*(?:,|$)/.test(cacheControl)) return false;
  if (noneMatch.trim() === '*') return true;
  const bare = (value: string) => (value.startsWith('W/') ? value.slice(2) : value);
  return noneMatch.split(',').some((candidate) => bare(candidate.trim()) === bare(tag));
}
