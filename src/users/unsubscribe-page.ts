import { escapeHtml } from '../email/email-templates';

/** Only what the pages need: inline styles, and forms posting back to this origin. */
export const UNSUBSCRIBE_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function page(title: string, body: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title></head>` +
    '<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">' +
    `<h1>${escapeHtml(title)}</h1>${body}</body></html>`
  );
}

/**
 * The page a link in an email opens. It changes nothing by itself (link scanners follow GETs):
 * the button posts the same one-click request a mailbox would send. The form's action is
 * relative, so it posts to the URL the page was served from.
 */
export function confirmPage(token: string): string {
  return page(
    'Unsubscribe from Parcsal marketing emails',
    '<p>You will no longer receive offers and news from Parcsal. Emails about your bookings ' +
      'and your account will still reach you.</p>' +
      `<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}">` +
      '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
      '<button type="submit" id="unsubscribe">Unsubscribe</button></form>',
  );
}

export function donePage(): string {
  return page(
    'You are unsubscribed',
    '<p>You will no longer receive Parcsal marketing emails. You can turn them back on in your ' +
      'account’s email preferences.</p>',
  );
}
