import { Module } from '@nestjs/common';
import { socketIoBroadcasterProvider } from './socket-io-broadcaster';
import { WorkerNotificationEmitter } from './worker-notification.emitter';

/**
 * Imported by the worker process only: notifications created there reach sockets through the
 * Socket.IO Redis adapter's channels (SocketIoBroadcaster). API processes deliver through their gateway (RealtimeModule) instead.
 */
@Module({
  providers: [socketIoBroadcasterProvider, WorkerNotificationEmitter],
})
export class NotificationDeliveryModule {}
