import { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  to: string[];
  subject: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  text: string;
  html: string;
  receivedAt: number;
}

export interface SmtpSinkOptions {
  /** Wait this long before accepting each message (a slow SMTP server). */
  delayMs?: number;
  /** Refuse the first N send attempts (at MAIL FROM) with this code. */
  refuse?: { count: number; code: number };
  /** Recipients answered 550 (a permanent failure). */
  rejectRecipient?: (address: string) => boolean;
}

/** A real SMTP server on a random port that keeps every message it accepts, parsed. */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  /** Every MAIL FROM seen, refused ones included. */
  attempts = 0;
  /** Every RCPT TO address seen, refused ones included (who the system tried to mail). */
  readonly recipientsTried: string[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    private readonly options: SmtpSinkOptions,
  ) {}

  static async start(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    let sink: SmtpSink | null = null;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onMailFrom(_address, _session, callback) {
        sink!.attempts++;
        const refuse = sink!.options.refuse;
        if (refuse && refuse.count > 0) {
          refuse.count--;
          const error = new Error('Try again later') as Error & { responseCode: number };
          error.responseCode = refuse.code;
          return callback(error);
        }
        callback();
      },
      onRcptTo(address, _session, callback) {
        sink!.recipientsTried.push(address.address);
        if (sink!.options.rejectRecipient?.(address.address)) {
          const error = new Error('No such user') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then(async (parsed) => {
            if (sink!.options.delayMs)
              await new Promise((r) => setTimeout(r, sink!.options.delayMs));
            const headers: Record<string, string> = {};
            for (const [name, value] of parsed.headers) {
              headers[name.toLowerCase()] =
                typeof value === 'string' ? value : JSON.stringify(value);
            }
            // mailparser folds List-* headers into one structured `list` entry: keep those as
            // they were sent (unfolded raw lines).
            for (const { key, line } of parsed.headerLines) {
              if (key.startsWith('list-')) {
                headers[key] = line
                  .slice(line.indexOf(':') + 1)
                  .replace(/\r?\n[ \t]+/g, ' ')
                  .trim();
              }
            }
            sink!.messages.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              headers,
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              receivedAt: Date.now(),
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    // A client that dies mid-session (a killed worker) resets its connection: without a listener
    // that ECONNRESET would be an uncaught 'error' that fails the test file.
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    sink = new SmtpSink(server, port, options);
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Messages carrying this X-Parcsal-Event (and recipient, if given). */
  find(event: string, to?: string): SinkMessage[] {
    return this.messages.filter(
      (m) => m.headers['x-parcsal-event'] === event && (to === undefined || m.to.includes(to)),
    );
  }

  /** Resolves once `predicate` holds on the messages received so far; rejects after timeoutMs. */
  async waitFor(
    predicate: (messages: SinkMessage[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<SinkMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      if (Date.now() > deadline) {
        throw new Error(
          `SMTP sink: condition not met within ${timeoutMs} ms (${this.messages.length} messages)`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.messages;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
