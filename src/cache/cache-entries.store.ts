import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { RedisService } from '../redis';
import type { CacheRedisClient } from '../redis/cache-store.factory';
import { CACHE_REDIS } from './cache.constants';
import { CacheTagsService } from './cache-tags.service';

/**
 * An entry is one string: its header (one `<tag key>\t<version>` line per tag it was stored
 * under), a blank line, then the JSON body. The scripts compare the header with the tags'
 * current versions inside Redis, so a hit is one round trip and returns only the body.
 */

/**
 * Hit check. KEYS: entry, bump sequence, the tags the request implies. Returns {1, body} when the
 * entry exists, records every tag the request implies, and every version it recorded is still
 * current; else {0, sequence now} (the fill's starting point). Tags only a response revealed (a
 * company looked up by slug: its id) are read by the names the header gives: they share the
 * `{cache-tag}` slot with the declared keys, so this holds on Redis Cluster too.
 */
const READ_ENTRY = `
local seq = redis.call('GET', KEYS[2]) or '0'
local entry = redis.call('GET', KEYS[1])
if not entry then return {0, seq} end
local split = string.find(entry, '\\n\\n', 1, true)
if not split then return {0, seq} end
local recorded = {}
for key, version in string.gmatch(string.sub(entry, 1, split - 1), '([^\\t\\n]+)\\t([^\\n]+)') do
  recorded[key] = version
end
for i = 3, #KEYS do
  if recorded[KEYS[i]] == nil then return {0, seq} end
end
for key, version in pairs(recorded) do
  if redis.call('GET', key) ~= version then return {0, seq} end
end
return {1, string.sub(entry, split + 2)}`;

/**
 * Store after a fill. KEYS: entry, then its tags. ARGV: random, tag TTL (ms), the sequence the
 * fill began at, entry TTL (ms), body. A missing tag is created with a fresh random version
 * (sequence 0); if any tag was bumped after the fill began, the body may predate that write and
 * nothing is stored (returns 0).
 */
const STORE_ENTRY = `
local header = {}
for i = 2, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if not v then
    v = '0:' .. ARGV[1] .. ':' .. i
    redis.call('SET', KEYS[i], v, 'PX', ARGV[2])
  end
  if tonumber(string.match(v, '^(%d+):')) > tonumber(ARGV[3]) then return 0 end
  header[#header + 1] = KEYS[i] .. '\\t' .. v
end
redis.call('SET', KEYS[1], table.concat(header, '\\n') .. '\\n\\n' .. ARGV[5], 'PX', ARGV[4])
return 1`;

export type EntryRead = { hit: true; body: unknown } | { hit: false; sequence: number };

/**
 * The response cache's entries, each checked against its tags' versions in one script. Entry
 * keys (`cache:<name>:<hash>:{cache-tag}`) carry the tags' hash tag: on Redis Cluster a script
 * may only touch one slot, so entries and tags live together (the price: on a Cluster the
 * response cache is one slot's worth of one master, which every hit already reached for the
 * tag versions before).
 */
@Injectable()
export class CacheEntriesStore {
  private readonly scripts = {
    read: { lua: READ_ENTRY, sha: sha1(READ_ENTRY) },
    store: { lua: STORE_ENTRY, sha: sha1(STORE_ENTRY) },
  };

  constructor(
    @Inject(CACHE_REDIS) private readonly redis: CacheRedisClient,
    private readonly redisService: RedisService,
    private readonly tags: CacheTagsService,
  ) {}

  entryKey(key: string): string {
    return this.redisService.keys.key('cache', key, '{cache-tag}');
  }

  /** One round trip: the body of a fresh entry, or the bump sequence a fill starts from. */
  async read(key: string, requestTags: string[]): Promise<EntryRead> {
    const [found, value] = (await this.run(this.scripts.read, [
      this.entryKey(key),
      this.tags.sequenceKey,
      ...requestTags.map((t) => this.tags.tagKey(t)),
    ])) as [number, string];
    return found === 1
      ? { hit: true, body: JSON.parse(value) as unknown }
      : { hit: false, sequence: Number(value) };
  }

  /** Stores `body` under its tags' current versions unless one was bumped after `sequence`. */
  async store(
    key: string,
    tags: string[],
    sequence: number,
    body: unknown,
    ttlMs: number,
  ): Promise<void> {
    await this.run(
      this.scripts.store,
      [this.entryKey(key), ...tags.map((t) => this.tags.tagKey(t))],
      [
        randomBytes(6).toString('hex'),
        String(this.tags.tagTtlMs),
        String(sequence),
        String(ttlMs),
        JSON.stringify(body),
      ],
    );
  }

  /** EVALSHA, loading the script on a NOSCRIPT reply (a restarted or failed-over Redis). */
  private async run(
    script: { lua: string; sha: string },
    keys: string[],
    args: string[] = [],
  ): Promise<unknown> {
    const options = { keys, arguments: args };
    try {
      return await this.redis.evalSha(script.sha, options);
    } catch (error) {
      if (!(error as Error).message?.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(script.lua, options);
    }
  }
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
