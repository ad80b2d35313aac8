import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { APP_CONFIG, AppConfig } from '../config';
import { browserOriginOptions } from './browser-origins';
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
 * Browsers: only origins in CORS_ORIGINS may connect (see browserOriginOptions), and the API
 * serves the browser client at `/socket.io/socket.io.js` (`serveClient`).
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

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const config = this.app.get<AppConfig>(APP_CONFIG);
    const server = super.createIOServer(port, {
      ...options,
      ...browserOriginOptions(config.corsOrigins),
      serveClient: true,
    }) as Server;
    server.adapter(this.app.get(SocketIoRedis).adapter());
    return server;
  }
}
