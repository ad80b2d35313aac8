import { Provider } from '@nestjs/common';
import { Emitter } from '@socket.io/redis-emitter';
import { Server } from 'socket.io';
import { APP_CONFIG, AppConfig } from '../config';
import { RedisService } from '../redis';
import type { ServerEventPayload, ServerToClientEvents } from './realtime.events';
import { SocketIoRedisBase } from './socket-io-redis.base';

/** `to(room)` of the broadcaster: only the server → client events of realtime.events.ts. */
interface RoomEmitter {
  emit<E extends keyof ServerToClientEvents>(event: E, payload: ServerEventPayload<E>): unknown;
}

/**
 * Broadcasts to API processes' sockets from a process without a Socket.IO server (the worker).
 *
 * - Single Redis or Sentinel: `@socket.io/redis-emitter` publishes in the classic adapter's wire
 *   format on its channel: one PUBLISH, no subscription.
 * - Cluster: the emitter has no sharded mode, so the worker runs a Socket.IO server that never
 *   listens, with the same sharded adapter: `to(room).emit()` is SPUBLISHed on the room's channel
 *   in the adapter's own format, exactly as another API process would.
 */
export class SocketIoBroadcaster extends SocketIoRedisBase {
  private emitter: Emitter | Server | null = null;

  constructor(redis: RedisService, config: AppConfig) {
    super(redis, config, 'socket.io-emitter', false);
  }

  override async connect(): Promise<void> {
    await super.connect();
    const classic = this.classicPublisher;
    this.emitter = classic
      ? new Emitter(classic, { key: this.key })
      : new Server({ adapter: this.adapter(), serveClient: false });
  }

  to(room: string): RoomEmitter {
    if (!this.emitter) throw new Error('Socket.IO broadcaster used before connect()');
    // Both carry the event and payload unchanged; the type pins them to the contract's events.
    return this.emitter.to(room) as RoomEmitter;
  }

  override async onApplicationShutdown(): Promise<void> {
    if (this.emitter instanceof Server) await this.emitter.close().catch(() => undefined);
    await super.onApplicationShutdown();
  }
}

export const socketIoBroadcasterProvider: Provider = {
  provide: SocketIoBroadcaster,
  inject: [RedisService, APP_CONFIG],
  useFactory: async (redis: RedisService, config: AppConfig) => {
    const broadcaster = new SocketIoBroadcaster(redis, config);
    await broadcaster.connect();
    return broadcaster;
  },
};
