/**
 * The one key builder: every Redis key Parcsal writes is `REDIS_KEY_PREFIX` + parts joined by ':'.
 * Several deployments or test runs can then share one Redis without seeing each other.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  key(...parts: (string | number)[]): string {
    return this.prefix + parts.join(':');
  }

  /**
   * A hash-tagged prefix (`{parcsal:}bull`), so that on Redis Cluster every key under it lands
   * in one slot (BullMQ's Lua scripts touch many keys of one queue at once).
   */
  hashTagged(name: string): string {
    return `{${this.prefix}}${name}`;
  }
}
