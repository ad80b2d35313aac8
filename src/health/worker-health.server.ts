import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
import { createServer, Server, ServerResponse } from 'node:http';
import { reasonOf, StartupError } from '../common/start-up';
import { APP_CONFIG, AppConfig } from '../config';
import { DrainState } from './drain-state';
import { notReadyReason, ReadinessService } from './readiness.service';

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' });
  res.end(JSON.stringify(body));
}

/**
 * The worker has no HTTP API; with WORKER_HEALTH_PORT set it answers a supervisor's probes on
 * that port: GET /health/live (200 while the process runs) and GET /health/ready (200 when the
 * database, Redis and the queue connection answer; 503 otherwise and while draining). A plain
 * node http server: two routes need no framework.
 */
@Injectable()
export class WorkerHealthServer
  implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger('WorkerHealth');
  private server: Server | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly readiness: ReadinessService,
    private readonly drain: DrainState,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.workerHealthPort;
    if (port === null) return;
    const server = createServer((req, res) => void this.answer(req.url ?? '', req.method, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new StartupError(
            `Cannot listen on port ${port} (WORKER_HEALTH_PORT): ${reasonOf(error)}`,
            { cause: error },
          ),
        ),
      );
      server.listen(port, () => resolve());
    });
    this.server = server;
    this.logger.log(`health probes on http://localhost:${port}/health/live and /health/ready`);
  }

  private async answer(url: string, method: string | undefined, res: ServerResponse) {
    const path = url.split('?')[0];
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, { message: 'GET only' });
    if (path === '/health/live') return send(res, 200, { status: 'ok' });
    if (path !== '/health/ready') return send(res, 404, { message: 'not found' });
    try {
      const readiness = await this.readiness.check();
      if (readiness.ready) return send(res, 200, { status: 'ok', checks: readiness.checks });
      send(res, 503, {
        status: readiness.draining ? 'draining' : 'unavailable',
        message: `not ready: ${notReadyReason(readiness)}`,
        checks: readiness.checks,
      });
    } catch (error) {
      send(res, 503, { status: 'unavailable', message: reasonOf(error) });
    }
  }

  /** First shutdown hook: from here on the worker is draining (its jobs finish next). */
  onModuleDestroy(): void {
    this.drain.start();
  }

  /** Last: probes answer (503) while jobs drain, and stop only once everything is closed. */
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
