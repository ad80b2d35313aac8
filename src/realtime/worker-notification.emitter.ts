import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Emitter } from '@socket.io/redis-emitter';
import {
  NOTIFICATION_CREATED,
  NotificationCreatedEvent,
} from '../notifications/notification.types';
import { RedisClient, RedisService } from '../redis';
import { SocketEvent, SocketRoom } from './realtime.constants';
import { openSocketIoPublisher, socketIoChannelKey } from './socket-io-redis';

/**
 * Delivers notifications created in the worker to the users' sockets.
 *
 * The worker has no Socket.IO server, so it uses `@socket.io/redis-emitter`: the emitter publishes
 * in the Redis adapter's own wire format on the adapter's channel (same key), so every API
 * process delivers the packet to its sockets in `user:<id>` exactly as if another API process had
 * broadcast it. A home-made pub/sub channel would need a subscriber and a re-emit handler in
 * every API process: a second path for the same thing. One PUBLISH per notification, no
 * subscription in the worker.
 */
@Injectable()
export class WorkerNotificationEmitter implements OnModuleInit {
  private readonly logger = new Logger(WorkerNotificationEmitter.name);
  private readonly client: RedisClient;
  private readonly emitter: Emitter;

  constructor(private readonly redis: RedisService) {
    this.client = openSocketIoPublisher(redis, 'socket.io-emitter', this.logger);
    this.emitter = new Emitter(this.client, { key: socketIoChannelKey(redis) });
  }

  async onModuleInit(): Promise<void> {
    await this.redis.connect(this.client);
  }

  @OnEvent(NOTIFICATION_CREATED)
  deliver({ userId, notification }: NotificationCreatedEvent): void {
    this.emitter.to(SocketRoom.user(userId)).emit(SocketEvent.Notification, notification);
  }
}
