/** setTimeout's upper bound; longer delays fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Items that expire at a whole second (a JWT's `exp`), with one timer for all of them instead of
 * one per item: a timer and its closure per idle socket were a large part of a socket's memory.
 * Items due in the same second share a bucket; the timer is armed for the earliest bucket and
 * re-armed for the next one when it fires.
 */
export class ExpirySchedule<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;

  constructor(private readonly expire: (item: T) => void) {}

  /** `item` is expired at `expSeconds` (Unix seconds), or on the next tick if that is past. */
  add(item: T, expSeconds: number): void {
    const bucket = this.buckets.get(expSeconds);
    if (bucket) bucket.add(item);
    else this.buckets.set(expSeconds, new Set([item]));
    if (expSeconds < this.armedFor) this.arm(expSeconds);
  }

  /** Forgets `item` (added with the same `expSeconds`); the timer stays armed, firing finds nothing. */
  delete(item: T, expSeconds: number): void {
    const bucket = this.buckets.get(expSeconds);
    if (bucket?.delete(item) && bucket.size === 0) this.buckets.delete(expSeconds);
  }

  /** Stops the timer (shutdown); nothing expires afterwards. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
    this.buckets.clear();
  }

  private arm(expSeconds: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = expSeconds;
    const delay = Math.max(0, Math.min(expSeconds * 1000 - Date.now(), MAX_TIMER_MS));
    this.timer = setTimeout(() => this.fire(), delay);
    // The server's sockets keep the process alive, not this timer.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const [expSeconds, items] of this.buckets) {
      if (expSeconds * 1000 > now) {
        next = Math.min(next, expSeconds);
        continue;
      }
      this.buckets.delete(expSeconds);
      for (const item of items) this.expire(item);
    }
    if (next < this.armedFor) this.arm(next);
  }
}
