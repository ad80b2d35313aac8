import { Provider } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { RedisService } from '../redis';
import { SocketIoRedisBase } from './socket-io-redis.base';

/** The adapter's connections in an API process (installed by RedisIoAdapter). */
export class SocketIoRedis extends SocketIoRedisBase {
  constructor(redis: RedisService, config: AppConfig) {
    super(redis, config, 'socket.io', true);
  }
}

export const socketIoRedisProvider: Provider = {
  provide: SocketIoRedis,
  inject: [RedisService, APP_CONFIG],
  useFactory: async (redis: RedisService, config: AppConfig) => {
    const socketIoRedis = new SocketIoRedis(redis, config);
    await socketIoRedis.connect();
    return socketIoRedis;
  },
};
