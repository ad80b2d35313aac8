import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { exitCleanlyOnSignals } from './common/graceful-shutdown';
import { startOrExit } from './common/start-up';
import { configureApp } from './configure-app';
import { loadConfigFromProcess } from './config';

startOrExit(async () => {
  const config = loadConfigFromProcess();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
    // Let start-up errors reach startOrExit (one clear line) instead of aborting the process.
    abortOnError: false,
  });
  configureApp(app, config);
  exitCleanlyOnSignals(app, 'Api');
  await app.listen(config.port);
});
