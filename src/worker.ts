import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { bootLogger, rootLogger } from './common/app-logger';
import { exitCleanlyOnSignals } from './common/graceful-shutdown';
import { startOrExit } from './common/start-up';
import { loadConfigFromProcess } from './config';
import { DrainState } from './health/drain-state';
import { describeRedisTarget } from './redis';
import { WorkerModule } from './worker.module';

startOrExit(async () => {
  const config = loadConfigFromProcess();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: bootLogger(config.logLevel),
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // Jobs in flight finish (or go back to the queue) in app.close(); readiness says 503 meanwhile.
  exitCleanlyOnSignals(app, 'Worker', () => Promise.resolve(app.get(DrainState).start()));
  await app.init();
  rootLogger()
    .child({ context: 'Worker' })
    .info(
      {
        redis: describeRedisTarget(config.redis),
        email: config.smtpUrl ? 'SMTP' : 'logged, not sent (no SMTP_URL)',
        health: config.workerHealthPort
          ? `http://localhost:${config.workerHealthPort}/health/ready`
          : 'off',
      },
      'worker ready',
    );
});
