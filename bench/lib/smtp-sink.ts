import { SMTPServer } from 'smtp-server';
import { freePort } from './stack';

interface Waiter {
  match: (to: string) => boolean;
  count: number;
  seen: number;
  resolve: () => void;
}

/**
 * A local SMTP server that accepts everything and answers the end of each message after
 * `delayMs` (a slow provider). It counts received messages by envelope recipient.
 */
export class SmtpSink {
  delayMs = 0;
  received = 0;
  private readonly recipients = new Map<string, number>();
  private waiters: Waiter[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpSink> {
    const port = await freePort();
    let sink: SmtpSink | null = null;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      maxClients: 1000,
      // Pooled client connections stay open: do not wait 30 s for them on close.
      closeTimeout: 500,
      onData(stream, session, callback) {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          const to = session.envelope.rcptTo.map((r) => r.address);
          setTimeout(() => {
            sink?.record(to);
            callback();
          }, sink?.delayMs ?? 0);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    sink = new SmtpSink(server, port);
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private record(to: string[]): void {
    this.received++;
    for (const address of to) {
      this.recipients.set(address, (this.recipients.get(address) ?? 0) + 1);
      for (const waiter of this.waiters) {
        if (waiter.match(address) && ++waiter.seen >= waiter.count) waiter.resolve();
      }
    }
    this.waiters = this.waiters.filter((w) => w.seen < w.count);
  }

  /** Messages received so far for recipients matching `match`. */
  countMatching(match: (to: string) => boolean): number {
    let n = 0;
    for (const [address, count] of this.recipients) if (match(address)) n += count;
    return n;
  }

  /** Resolves when `count` messages for matching recipients arrived (counting from now). */
  waitFor(match: (to: string) => boolean, count: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push({
        match,
        count,
        seen: 0,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
