import type { OutgoingEmail } from './email-sender';
import type { EmailOutcome } from './outbox-states';

export interface PreparedEmail {
  /** The email_outbox row this send is recorded on. */
  outboxId: string;
  /** The `X-Parcsal-Event` of the email, for metrics. */
  event: string;
  message: OutgoingEmail;
  /** An admin retried this very email: send it even if its address is suppressed. */
  ignoreSuppression: boolean;
}

/** Nothing to send, and why (the job's return value on the dashboard). */
export interface SkippedEmail {
  skipped: string;
}

/**
 * One kind of job on the email queue, marked @HandlesJob(QueueName.Email, name) so the processor
 * finds it (src/queues/job-handlers.ts). The processor sends what `prepare` returns, records the
 * outcome on the outbox row and reports it back, so every kind gets the same retry, rate-limit,
 * suppression and idempotency rules.
 */
export interface EmailJobHandler<T> {
  /** The email to send, or why not (already sent by an earlier run of the job, opted out...). */
  prepare(data: T): Promise<PreparedEmail | SkippedEmail>;
  /** The outbox row reached its final state; called once per row. */
  settled(data: T, outcome: EmailOutcome): Promise<void>;
}
