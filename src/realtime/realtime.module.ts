import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChatModule } from '../chat/chat.module';
import { RealtimeGateway } from './realtime.gateway';
import { socketIoRedisProvider } from './socket-io-redis';

/**
 * Socket.IO in the API process: the gateway and the Redis connections of its adapter
 * (installed by RedisIoAdapter, see configureApp).
 */
@Module({
  imports: [AuthModule, ChatModule],
  providers: [socketIoRedisProvider, RealtimeGateway],
})
export class RealtimeModule {}
