import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `tick` until stopped: again at once while it reports a full batch, else after `intervalMs`.
 * A failing tick (Redis or PostgreSQL away) is logged once per outage and retried next time;
 * `stop()` resolves after the tick in progress has finished.
 */
export class PollingLoop {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    /** Returns true when there is more to do right away. */
    private readonly tick: () => Promise<boolean>,
    private readonly logger = new Logger(name),
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let more = false;
      try {
        more = await this.tick();
        if (this.failing) this.logger.log(`${this.name} recovered`);
        this.failing = false;
      } catch (error) {
        if (!this.failing) this.logger.warn(`${this.name} paused: ${(error as Error).message}`);
        this.failing = true;
      }
      if (!more) {
        await sleep(this.intervalMs, undefined, { signal: this.stopping.signal }).catch(
          () => undefined,
        );
      }
    }
  }
}
