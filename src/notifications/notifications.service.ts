import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { DB, Database, DbExecutor, schema } from '../database';
import { DomainEvent, DomainEvents } from '../events/domain-events';
import { offsetOf, Page } from '../common/pagination.dto';
import {
  NewNotification,
  NotificationCreatedEvent,
  NotificationRow,
  NotificationView,
  toNotificationView,
} from './notification.types';
import { ListNotificationsQueryDto } from './notifications.dto';

const { notifications } = schema;

@Injectable()
export class NotificationsService {
  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Stores notifications, inside the caller's transaction when given one. Call `publish` with
   * the result once that transaction has committed, so nobody is told about a rolled-back change.
   */
  async record(executor: DbExecutor, inputs: NewNotification[]): Promise<NotificationRow[]> {
    if (inputs.length === 0) return [];
    return executor.insert(notifications).values(inputs).returning();
  }

  /** Delivers committed notifications to the users' live sockets, wherever they are connected. */
  async publish(rows: NotificationRow[]): Promise<void> {
    for (const row of rows) {
      const event: NotificationCreatedEvent = {
        userId: row.userId,
        notification: toNotificationView(row),
      };
      await this.events.emit(DomainEvent.NotificationCreated, event);
    }
  }

  /** record + publish, for notifications that are not part of a larger transaction. */
  async notify(inputs: NewNotification[]): Promise<NotificationRow[]> {
    const rows = await this.record(this.db, inputs);
    await this.publish(rows);
    return rows;
  }

  async list(
    userId: string,
    query: ListNotificationsQueryDto,
  ): Promise<Page<NotificationView> & { unreadCount: number }> {
    const mine = eq(notifications.userId, userId);
    const where = query.unread ? and(mine, isNull(notifications.readAt)) : mine;
    const [rows, [{ total }], [{ unread }]] = await Promise.all([
      this.db
        .select()
        .from(notifications)
        .where(where)
        .orderBy(desc(notifications.createdAt), desc(notifications.id))
        .limit(query.limit)
        .offset(offsetOf(query)),
      this.db.select({ total: count() }).from(notifications).where(where),
      this.db
        .select({ unread: count() })
        .from(notifications)
        .where(and(mine, isNull(notifications.readAt))),
    ]);
    return {
      items: rows.map(toNotificationView),
      total,
      page: query.page,
      limit: query.limit,
      unreadCount: unread,
    };
  }

  async markRead(userId: string, id: string): Promise<void> {
    const [row] = await this.db
      .select({ id: notifications.id, readAt: notifications.readAt })
      .from(notifications)
      .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
      .limit(1);
    if (!row) throw new NotFoundException('Notification not found');
    if (!row.readAt) {
      await this.db
        .update(notifications)
        .set({ readAt: new Date() })
        .where(eq(notifications.id, id));
    }
  }

  async markAllRead(userId: string): Promise<void> {
    await this.db
      .update(notifications)
      .set({ readAt: new Date() })
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  }
}
