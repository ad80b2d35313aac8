import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config';

/** What a user can unsubscribe from; transactional email has no category (always sent). */
export const EMAIL_CATEGORIES = ['marketing'] as const;
export type EmailCategory = (typeof EMAIL_CATEGORIES)[number];

export interface UnsubscribeGrant {
  userId: string;
  category: EmailCategory;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The tokens of unsubscribe links: `<userId>.<category>.<HMAC-SHA256 of both>`, keyed by
 * UNSUBSCRIBE_SECRET. Bound to one user and one category, unguessable without the key, and
 * deliberately without expiry: a link in an old email must keep working (RFC 8058 and the law
 * expect an opt-out to work whenever the recipient uses it). Rotating the key ends old links.
 */
@Injectable()
export class UnsubscribeTokens {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  sign(userId: string, category: EmailCategory): string {
    return `${userId}.${category}.${this.mac(userId, category).toString('base64url')}`;
  }

  /** The absolute link put in emails (header and body). */
  url(userId: string, category: EmailCategory): string {
    const token = encodeURIComponent(this.sign(userId, category));
    return `${this.config.publicUrl}/email/unsubscribe?token=${token}`;
  }

  /** null for anything not signed by us: malformed, tampered, another category or user. */
  verify(token: string): UnsubscribeGrant | null {
    const [userId, category, signature, ...rest] = token.split('.');
    if (rest.length > 0 || !userId || !signature || !UUID.test(userId)) return null;
    if (!(EMAIL_CATEGORIES as readonly string[]).includes(category)) return null;
    const expected = this.mac(userId, category as EmailCategory);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return { userId, category: category as EmailCategory };
  }

  private mac(userId: string, category: EmailCategory): Buffer {
    return createHmac('sha256', this.config.unsubscribeSecret)
      .update(`unsubscribe:v1:${userId}:${category}`)
      .digest();
  }
}
