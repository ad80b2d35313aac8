import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { Transporter, TransportOptions } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../config';
import { PermanentEmailError } from './email.errors';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  messageId?: string;
}

/** The SMTP boundary: nodemailer on SMTP_URL, or a transport that only logs when it is unset. */
@Injectable()
export class EmailSender implements OnApplicationShutdown {
  private readonly logger = new Logger(EmailSender.name);
  private readonly transport: Transporter;
  private readonly logOnly: boolean;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.logOnly = config.smtpUrl === null;
    this.transport = config.smtpUrl
      ? nodemailer.createTransport({
          url: config.smtpUrl,
          // A few reused connections instead of one handshake per email.
          pool: true,
          maxConnections: 5,
          // nodemailer waits minutes by default; a stuck server should fail the attempt instead.
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
        } as TransportOptions)
      : nodemailer.createTransport({ jsonTransport: true });
  }

  /** SENT: SMTP accepted it; LOGGED: SMTP_URL is unset, so it was only written to the log. */
  async send(email: OutgoingEmail): Promise<'SENT' | 'LOGGED'> {
    try {
      const info = await this.transport.sendMail({ from: this.config.emailFrom, ...email });
      if (this.logOnly) {
        // Debug: it names the recipient; the processor logs the outcome ("email logged") at info.
        this.logger.debug(
          `email not sent (SMTP_URL unset): ${email.headers['X-Parcsal-Event']} to ${email.to}: ${email.subject}`,
        );
        this.logger.debug(String(info.message));
        return 'LOGGED';
      }
      return 'SENT';
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      if (typeof code === 'number' && code >= 500) {
        throw new PermanentEmailError(`SMTP ${code}: ${(error as Error).message}`);
      }
      throw error;
    }
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
