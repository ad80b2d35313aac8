import type { schema } from '../database';

export type NotificationRow = typeof schema.notifications.$inferSelect;

/** The contract's notification object. */
export interface NotificationView {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}

export interface NewNotification {
  userId: string;
  /** The event name, e.g. `booking.confirmed`, `security.new_device`. */
  type: string;
  title: string;
  body: string;
  data?: Record<string, unknown>;
}

/**
 * In-process event, emitted after the notification is committed; the realtime module delivers it
 * to the user's sockets on every API process.
 */
export const NOTIFICATION_CREATED = 'notification.created';
export interface NotificationCreatedEvent {
  userId: string;
  notification: NotificationView;
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
