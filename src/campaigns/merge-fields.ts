import { escapeHtml } from '../email/email-templates';

/** The merge fields a campaign's subject and HTML may use. */
export const MERGE_FIELDS = ['name', 'email'] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];
export type MergeValues = Record<MergeField, string>;

const FIELD = /\{\{\s*([^{}]*?)\s*\}\}/g;

function isMergeField(field: string): field is MergeField {
  return (MERGE_FIELDS as readonly string[]).includes(field);
}

/** Every `{{field}}` in the text that is not a merge field, as written (for the 400 message). */
export function unknownMergeFields(text: string): string[] {
  const unknown = [...text.matchAll(FIELD)]
    .filter((match) => !isMergeField(match[1]))
    .map((match) => match[0]);
  return [...new Set(unknown)];
}

/** The subject for one recipient: plain text (a header), so values go in as they are. */
export function mergeText(text: string, values: MergeValues): string {
  return text.replace(FIELD, (whole, field: string) =>
    isMergeField(field) ? values[field] : whole,
  );
}

/** The HTML for one recipient: values are escaped, so a name cannot inject markup. */
export function mergeHtml(html: string, values: MergeValues): string {
  return html.replace(FIELD, (whole, field: string) =>
    isMergeField(field) ? escapeHtml(values[field]) : whole,
  );
}
