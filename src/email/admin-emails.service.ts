import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { and, count, desc, eq, sql, SQL } from 'drizzle-orm';
import { APP_CONFIG, AppConfig } from '../config';
import { offsetOf, Page } from '../common/pagination.dto';
import { Database, DB, schema } from '../database';
import { EmailDetailDto, EmailSummaryDto, ListEmailsQueryDto } from './dto/admin-emails.dto';
import { renderOutboxMessage } from './outbox-message';

type OutboxRow = typeof schema.emailOutbox.$inferSelect;

/**
 * The admin's view of the email outbox (transactional and campaign emails). The rendered message
 * is not stored: it is rendered from the row's payload by the same function the worker sends
 * with, so what is shown is what was (or will be) sent.
 */
@Injectable()
export class AdminEmailsService {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: ListEmailsQueryDto): Promise<Page<EmailSummaryDto>> {
    const { emailOutbox } = schema;
    const filters: SQL[] = [];
    if (query.state) filters.push(eq(emailOutbox.state, query.state));
    if (query.event) filters.push(eq(emailOutbox.event, query.event));
    if (query.to) filters.push(sql`lower(${emailOutbox.to}) = ${query.to.toLowerCase()}`);
    const where = and(...filters);
    const [rows, [{ total }]] = await Promise.all([
      this.db
        .select()
        .from(emailOutbox)
        .where(where)
        .orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id))
        .limit(query.limit)
        .offset(offsetOf(query)),
      this.db.select({ total: count() }).from(emailOutbox).where(where),
    ]);
    return {
      items: rows.map((row) => this.summary(row)),
      total,
      page: query.page,
      limit: query.limit,
    };
  }

  async get(id: string): Promise<EmailDetailDto> {
    const row = await this.find(id);
    const message = renderOutboxMessage(row);
    return {
      ...this.summary(row),
      headers: {
        From: this.config.emailFrom,
        To: row.to,
        Subject: message?.subject ?? '',
        ...(message?.messageId ? { 'Message-ID': message.messageId } : {}),
        ...(message?.headers ?? { 'X-Parcsal-Event': row.event }),
      },
      text: message?.text ?? '',
      html: message?.html ?? '',
    };
  }

  /**
   * FAILED → PENDING and back to the relay, which queues it under a new job id. An admin retry is
   * deliberate: it is attempted even if the address was suppressed by that failure.
   */
  async retry(id: string): Promise<EmailSummaryDto> {
    const { emailOutbox } = schema;
    const [row] = await this.db
      .update(emailOutbox)
      .set({ state: 'PENDING', queuedAt: null, retries: sql`${emailOutbox.retries} + 1` })
      .where(and(eq(emailOutbox.id, id), eq(emailOutbox.state, 'FAILED')))
      .returning();
    if (row) return this.summary(row);
    const current = await this.find(id);
    throw new ConflictException(`Only a FAILED email can be retried; this one is ${current.state}`);
  }

  private async find(id: string): Promise<OutboxRow> {
    const [row] = await this.db
      .select()
      .from(schema.emailOutbox)
      .where(eq(schema.emailOutbox.id, id));
    if (!row) throw new NotFoundException('Email not found');
    return row;
  }

  private summary(row: OutboxRow): EmailSummaryDto {
    return {
      id: row.id,
      event: row.event,
      to: row.to,
      subject: renderOutboxMessage(row)?.subject ?? '',
      state: row.state,
      attempts: row.attempts,
      lastError: row.lastError,
      createdAt: row.createdAt.toISOString(),
      sentAt: row.sentAt?.toISOString() ?? null,
    };
  }
}
