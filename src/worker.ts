import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { exitCleanlyOnSignals } from './common/graceful-shutdown';
import { startOrExit } from './common/start-up';
import { loadConfigFromProcess } from './config';
import { WorkerModule } from './worker.module';

startOrExit(async () => {
  const config = loadConfigFromProcess();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  exitCleanlyOnSignals(app, 'Worker');
  await app.init();
});
