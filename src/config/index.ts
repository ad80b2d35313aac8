export * from './app-config';
export * from './cache-families';
export * from './config.module';
export * from './load-config';
