/**
 * The one key builder: every Redis key Parcsal writes is `REDIS_KEY_PREFIX` + parts joined by ':'.
 * Several deployments or test runs can then share one Redis without seeing each other.
 */
export class RedisKeys {
  /** `clustered`: the deployment is a Redis Cluster (REDIS_CLUSTER_NODES). */
  constructor(
    readonly prefix: string,
    private readonly clustered = false,
  ) {}

  key(...parts: (string | number)[]): string {
    return this.prefix + parts.join(':');
  }

  /**
   * A key of one user's sign-in state (`auth:{<userId>}:…`: sessions, revocations, the user's
   * facts). The `{userId}` hash tag puts them in one slot, so one script reads them together,
   * on Redis Cluster too.
   */
  userAuth(userId: string, ...parts: (string | number)[]): string {
    return this.key('auth', `{${userId}}`, ...parts);
  }

  /**
   * A key of a hash-tagged group (`parcsal:{bull}`, `parcsal:{cache-tag}:seq`): still under the
   * prefix, and on Redis Cluster every key of the group lands in one slot (BullMQ's and our Lua
   * scripts touch several keys of a group at once).
   */
  hashTagged(group: string, ...parts: (string | number)[]): string {
    return [`${this.prefix}{${group}}`, ...parts].join(':');
  }

  /**
   * A key that multi-key commands touch together with others of its `group` (Redlock locks all
   * resources of one lock in one script). On Cluster the whole group shares the `{group}` hash
   * tag, so it lives in one slot; on a single Redis it is the plain `key()`, its name unchanged.
   */
  grouped(group: string, ...parts: (string | number)[]): string {
    return this.clustered ? this.hashTagged(group, ...parts) : this.key(group, ...parts);
  }
}
