export * from './database.module';
export * from './database.types';
export * from './database.health';
export * as schema from './schema';
