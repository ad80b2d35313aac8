import { EmailEvent } from './email-event';
import type { OutgoingEmail } from './email-sender';
import { renderEmail } from './email-templates';

/** What an email_outbox row holds: the payload is the one source of the rendered message. */
export interface OutboxMessageSource {
  id: string;
  event: string;
  to: string;
  payload: Record<string, unknown>;
}

/**
 * The message of an outbox row, exactly as it is sent (the worker) and shown (GET
 * /admin/emails/:id). null: no template for the row's event.
 */
export function renderOutboxMessage(row: OutboxMessageSource): OutgoingEmail | null {
  const rendered = renderEmail(row.event, row.payload);
  if (!rendered) return null;
  return {
    to: row.to,
    ...rendered,
    // Stable per outbox row: a receiving server can also spot a duplicate.
    messageId: `<${row.id}@parcsal.outbox>`,
    headers: eventHeaders(row.event, row.payload),
  };
}

function eventHeaders(event: string, payload: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = { 'X-Parcsal-Event': event };
  if (event === (EmailEvent.Campaign as string)) {
    headers['X-Parcsal-Campaign'] = String(payload.campaignId);
    // RFC 2369 + RFC 8058: mailbox providers show an unsubscribe button that POSTs to this URL.
    headers['List-Unsubscribe'] = `<${String(payload.unsubscribeUrl)}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return headers;
}
