export * from './redis.module';
export * from './redis.service';
export * from './redis-keys';
export * from './redis-connection.factory';
export * from './redis.errors';
