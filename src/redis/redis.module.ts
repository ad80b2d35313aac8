import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { RedisService } from './redis.service';

@Global()
@Module({
  providers: [
    {
      provide: RedisService,
      inject: [APP_CONFIG],
      // Connected before anything that uses it is built: with Redis down, start-up stops here
      // with one line, before BullMQ, the cache or the locks open connections of their own.
      useFactory: async (config: AppConfig) => {
        const redis = new RedisService(config);
        try {
          await redis.connect(redis.client);
        } catch (error) {
          redis.client.disconnect();
          throw error;
        }
        return redis;
      },
    },
  ],
  exports: [RedisService],
})
export class RedisModule {}
