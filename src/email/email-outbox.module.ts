import { Global, Module } from '@nestjs/common';
import { EmailOutbox } from './email-outbox.service';

/** Producer side only (no queue, no SMTP): imported by every process that changes data. */
@Global()
@Module({ providers: [EmailOutbox], exports: [EmailOutbox] })
export class EmailOutboxModule {}
