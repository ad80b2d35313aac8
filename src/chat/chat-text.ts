import { isUnstorableText } from '../common/unstorable-text';
import { CHAT_TEXT_MAX_LENGTH } from './chat.types';

/**
 * The text a chat message stores (trimmed), or null when it may not be sent: empty, longer than
 * CHAT_TEXT_MAX_LENGTH, or holding NUL / a lone surrogate (PostgreSQL refused NUL: the ack said
 * "unavailable" after the message had used up CHAT quota). The gateway checks this before it
 * counts the message against the rate limit; the service checks it again before storing.
 */
export function chatTextToStore(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length < 1 || trimmed.length > CHAT_TEXT_MAX_LENGTH) return null;
  return isUnstorableText(trimmed) ? null : trimmed;
}
