import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent } from '../events/domain-events';
import { NotificationCreatedEvent } from '../notifications/notification.types';
import { SocketEvent, SocketRoom } from './realtime.constants';
import { SocketIoBroadcaster } from './socket-io-broadcaster';

/**
 * Delivers notifications created in the worker to the users' sockets.
 *
 * The worker has no Socket.IO server of its own, so it broadcasts through the Redis adapter's
 * wire format on the adapter's channels (SocketIoBroadcaster): every API process delivers the
 * packet to its sockets in `user:<id>` exactly as if another API process had broadcast it. A
 * home-made pub/sub channel would need a subscriber and a re-emit handler in every API process:
 * a second path for the same thing. One publish per notification.
 */
@Injectable()
export class WorkerNotificationEmitter {
  constructor(private readonly broadcaster: SocketIoBroadcaster) {}

  @OnEvent(DomainEvent.NotificationCreated)
  deliver({ userId, notification }: NotificationCreatedEvent): void {
    this.broadcaster.to(SocketRoom.user(userId)).emit(SocketEvent.Notification, notification);
  }
}
