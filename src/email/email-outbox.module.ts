import { Global, Module } from '@nestjs/common';
import { EmailOutbox } from './email-outbox';
import { UnsubscribeTokens } from './unsubscribe-tokens';

/**
 * Producer side only (no queue, no SMTP): imported by every process that changes data. The
 * unsubscribe tokens live here too: the worker signs them into campaign emails, the API checks them.
 */
@Global()
@Module({ providers: [EmailOutbox, UnsubscribeTokens], exports: [EmailOutbox, UnsubscribeTokens] })
export class EmailOutboxModule {}
