import { ApiProperty } from '@nestjs/swagger';
import { DomainEvent } from '../events/domain-events';
import { CountProperty, DateTimeProperty, IdProperty } from '../common/openapi/api-property';
import { PageOf } from '../common/pagination.dto';
import type { schema } from '../database';

export type NotificationRow = typeof schema.notifications.$inferSelect;

/** The contract's notification object (also pushed as the `notification` socket event). */
export class NotificationView {
  @IdProperty()
  id: string;

  @ApiProperty({
    description: 'The event name, e.g. `booking.confirmed`',
    example: 'booking.confirmed',
  })
  type: string;

  @ApiProperty()
  title: string;

  @ApiProperty()
  body: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Ids and facts of the event',
  })
  data: Record<string, unknown>;

  @DateTimeProperty({ nullable: true })
  readAt: string | null;

  @DateTimeProperty()
  createdAt: string;
}

export class NotificationPage extends PageOf(NotificationView) {
  @CountProperty({ description: 'Unread notifications of the user, whatever the filter' })
  unreadCount: number;
}

export interface NewNotification {
  userId: string;
  /** The event name, e.g. `booking.confirmed`, `security.new_device`. */
  type: string;
  title: string;
  body: string;
  data?: Record<string, unknown>;
}

/** Payload of DomainEvent.NotificationCreated (see DomainEventMap). */
export interface NotificationCreatedEvent {
  userId: string;
  notification: NotificationView;
}

// The map's entry for NotificationCreated lives here: its payload is this folder's view class.
declare module '../events/domain-events' {
  interface DomainEventMap {
    [DomainEvent.NotificationCreated]: NotificationCreatedEvent;
  }
}

export function toNotificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    body: row.body,
    data: row.data,
    readAt: row.readAt ? row.readAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}
