import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { bootLogger, rootLogger } from './common/app-logger';
import { exitCleanlyOnSignals, HttpDrain } from './common/graceful-shutdown';
import { startOrExit } from './common/start-up';
import { configureApp } from './configure-app';
import { AppConfig, loadConfigFromProcess } from './config';
import { DrainState } from './health/drain-state';
import { describeRedisTarget } from './redis';

/** What this API runs with, for its ready line: enough to tell a misconfiguration at a glance. */
function features(config: AppConfig) {
  return {
    database: config.databaseUrl
      ? `PostgreSQL ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`
      : `embedded PGlite in ${config.dataDir}`,
    redis: describeRedisTarget(config.redis),
    // Embedded PGlite is single-process: the API then runs the worker's processors itself.
    workers: config.embedded ? 'in this process' : 'separate (node dist/worker)',
    email: config.smtpUrl ? 'SMTP' : 'logged, not sent (no SMTP_URL)',
    rateLimits: config.throttle.enabled,
    migrations: config.dbMigrate,
  };
}

startOrExit(async () => {
  const config = loadConfigFromProcess();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: bootLogger(config.logLevel),
    bodyParser: false,
    // Let start-up errors reach startOrExit (one clear line) instead of aborting the process.
    abortOnError: false,
  });
  configureApp(app, config);
  await app.init();
  const http = new HttpDrain(app.getHttpServer());
  exitCleanlyOnSignals(app, 'Api', async () => {
    app.get(DrainState).start();
    await http.drain();
  });
  await app.listen(config.port);
  const { port } = app.getHttpServer().address() as AddressInfo;
  rootLogger()
    .child({ context: 'Api' })
    .info(
      {
        url: `http://localhost:${port}`,
        docs: `http://localhost:${port}/docs`,
        ...features(config),
      },
      'API listening',
    );
});
