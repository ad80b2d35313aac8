import type { OutgoingEmail } from './email-sender.service';

export interface PreparedEmail {
  /** The `X-Parcsal-Event` of the email, for metrics. */
  event: string;
  message: OutgoingEmail;
}

/**
 * One kind of job on the email queue. The processor sends what `prepare` returns and reports the
 * outcome, so every kind gets the same retry, rate-limit and idempotency rules.
 */
export interface EmailJobHandler<T> {
  /** The email to send, or null when it was already sent (a job re-run after a stall). */
  prepare(data: T): Promise<PreparedEmail | null>;
  /** Records that SMTP accepted it: a later run of the same job must return null from prepare. */
  markSent(data: T): Promise<void>;
  /** Records that it will never be sent (permanent SMTP error or attempts exhausted). */
  markFailed(data: T, reason: string): Promise<void>;
}

/** Injection token of the campaigns module's handler for campaign recipient jobs. */
export const CAMPAIGN_EMAIL_HANDLER = Symbol('CAMPAIGN_EMAIL_HANDLER');
