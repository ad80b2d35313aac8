import { Module } from '@nestjs/common';
import { WorkerNotificationEmitter } from './worker-notification.emitter';

/**
 * Imported by the worker process only: notifications created there reach sockets through the
 * Socket.IO Redis emitter. API processes deliver through their gateway (RealtimeModule) instead.
 */
@Module({
  providers: [WorkerNotificationEmitter],
})
export class NotificationDeliveryModule {}
