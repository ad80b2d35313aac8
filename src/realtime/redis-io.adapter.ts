import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { SocketIoRedis } from './socket-io-redis';

/**
 * Socket.IO across API processes: the Redis pub/sub adapter forwards every broadcast (room emits,
 * `disconnectSockets`) to the other processes, so a socket is reachable wherever it is connected.
 * On Redis Cluster it is the sharded adapter (see SocketIoRedis).
 *
 * Several API processes behind a load balancer need sticky sessions for the HTTP long-polling
 * transport (its requests must all reach the process holding the session); with
 * `transports: ['websocket']` on the client, as our tests and recommended clients use, no
 * stickiness is needed because the whole session lives on one connection.
 *
 * Connection state recovery (`connectionStateRecovery`) stays off: it needs an adapter that keeps
 * the missed packets and session state, which the pub/sub adapter does not (only the Redis
 * Streams adapter does, best effort). Clients re-fetch history on reconnect instead
 * (`GET /notifications`, `GET /chat/conversations/:bookingId/messages`).
 */
export class RedisIoAdapter extends IoAdapter {
  constructor(private readonly app: INestApplicationContext) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options) as Server;
    server.adapter(this.app.get(SocketIoRedis).adapter());
    return server;
  }
}
