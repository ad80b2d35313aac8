import { EmailEvent } from './email-event';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type Payload = Record<string, unknown>;

/** Every interpolated value goes through this before reaching HTML. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function str(payload: Payload, key: string, fallback = ''): string {
  const value = payload[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}

function money(payload: Payload, key: string): string | null {
  const cents = payload[key];
  return typeof cents === 'number' && Number.isInteger(cents)
    ? `${(cents / 100).toFixed(2)} EUR`
    : null;
}

/** Paragraphs of plain text, rendered to both bodies (the HTML one escaped). */
function compose(subject: string, greeting: string, paragraphs: string[]): RenderedEmail {
  const lines = [greeting, ...paragraphs, 'The Parcsal team'];
  return {
    subject,
    text: lines.join('\n\n'),
    html:
      '<!doctype html><html><body style="font-family:sans-serif">' +
      lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('') +
      '</body></html>',
  };
}

function greeting(payload: Payload): string {
  const name = str(payload, 'customerName') || str(payload, 'name');
  return name ? `Hello ${name},` : 'Hello,';
}

function bookingLine(payload: Payload): string {
  const route =
    str(payload, 'origin') && str(payload, 'destination')
      ? ` from ${str(payload, 'origin')} to ${str(payload, 'destination')}`
      : '';
  const weight = str(payload, 'weightKg') ? ` (${str(payload, 'weightKg')} kg)` : '';
  const company = str(payload, 'companyName') ? ` with ${str(payload, 'companyName')}` : '';
  return `Your booking ${str(payload, 'bookingId')}${route}${weight}${company}`;
}

const BOOKING_OUTCOME: Record<string, { subject: string; verb: string }> = {
  [EmailEvent.BookingCreated]: {
    subject: 'Booking received',
    verb: 'has been received and awaits the company’s confirmation.',
  },
  [EmailEvent.BookingConfirmed]: { subject: 'Booking confirmed', verb: 'has been confirmed.' },
  [EmailEvent.BookingRejected]: {
    subject: 'Booking rejected',
    verb: 'has been rejected by the company.',
  },
  [EmailEvent.BookingCancelled]: { subject: 'Booking cancelled', verb: 'has been cancelled.' },
  [EmailEvent.BookingDelivered]: { subject: 'Parcel delivered', verb: 'has been delivered.' },
};

/**
 * Subject, text and HTML of a transactional email. Payloads come from the services that record
 * the outbox row (see EmailEvent); a missing field leaves its phrase out rather than failing.
 * null: not an event we have a template for.
 */
export function renderEmail(event: string, payload: Payload): RenderedEmail | null {
  const booking = BOOKING_OUTCOME[event];
  if (booking) {
    const price = money(payload, 'priceCents');
    return compose(`${booking.subject}: ${str(payload, 'bookingId')}`.trim(), greeting(payload), [
      `${bookingLine(payload)} ${booking.verb}`,
      ...(price ? [`Price: ${price}.`] : []),
    ]);
  }
  switch (event as EmailEvent) {
    case EmailEvent.CompanyInvitation:
      return compose(
        `You are invited to join ${str(payload, 'companyName', 'a company')} on Parcsal`,
        'Hello,',
        [
          `${str(payload, 'inviterName', 'A company owner')} invited you to join ${str(payload, 'companyName', 'their company')} on Parcsal.`,
          `Your invitation token: ${str(payload, 'token')}`,
          ...(str(payload, 'expiresAt') ? [`It expires at ${str(payload, 'expiresAt')}.`] : []),
        ],
      );
    case EmailEvent.Campaign:
      return campaignEmail(payload);
    case EmailEvent.SecurityNewDevice:
      return compose('New sign-in to your Parcsal account', greeting(payload), [
        `Someone signed in to your account from a new device: ${str(payload, 'userAgent', 'unknown device')} (IP ${str(payload, 'ip', 'unknown')}) at ${str(payload, 'at', 'an unknown time')}.`,
        'If this was not you, sign out of all sessions and change your password.',
      ]);
    default:
      return null;
  }
}

/**
 * A campaign email: the admin's subject and HTML with merge fields already filled in for this
 * recipient (see campaigns/merge-fields.ts), plus the unsubscribe link in both bodies.
 */
function campaignEmail(payload: Payload): RenderedEmail {
  const html = str(payload, 'html');
  const url = str(payload, 'unsubscribeUrl');
  const footer =
    '<p style="font-size:12px;color:#666">You receive this because your Parcsal account accepts ' +
    `marketing emails. <a href="${escapeHtml(url)}">Unsubscribe</a></p>`;
  const bodyEnd = html.search(/<\/body>/i);
  return {
    subject: str(payload, 'subject'),
    html: bodyEnd >= 0 ? html.slice(0, bodyEnd) + footer + html.slice(bodyEnd) : html + footer,
    text: `${htmlToText(html)}\n\n--\nUnsubscribe from Parcsal marketing emails: ${url}`,
  };
}

/** The plain-text part of an admin-written campaign (its HTML is sent as written). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
