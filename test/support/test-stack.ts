import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Redis, { Cluster } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/configure-app';
import { AppConfig, loadConfig } from '../../src/config';
import { WorkerModule } from '../../src/worker.module';
import { checkedAgent, documentOf } from './openapi-responses';
import { createTestDatabase, dropTestDatabase } from './test-database';
import { TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from './test-env';

export type Env = Record<string, string>;

export interface ApiInstance {
  app: NestExpressApplication;
  config: AppConfig;
  /** Base URL, e.g. http://127.0.0.1:41234 (for socket.io-client and raw HTTP). */
  url: string;
  /**
   * supertest bound to this instance; every response is checked against the OpenAPI document
   * the instance serves (see openapi-responses.ts).
   */
  http: () => ReturnType<typeof request>;
}

/**
 * A Cluster client whose KEYS asks every master (a Cluster client sends a keyless command to one
 * node), so assertions written for one Redis hold on the Cluster.
 */
function clusterClient(): Cluster {
  const cluster = new Cluster(
    TEST_REDIS_CLUSTER_NODES!.split(',').map((node) => {
      const [host, port] = node.split(':');
      return { host, port: Number(port) };
    }),
  );
  const keys = async (pattern: string): Promise<string[]> => {
    await clusterReady(cluster);
    return (await Promise.all(cluster.nodes('master').map((node) => node.keys(pattern)))).flat();
  };
  return Object.assign(cluster, { keys });
}

/** `nodes()` is empty until the client has loaded the slot map. */
async function clusterReady(cluster: Cluster): Promise<void> {
  if (cluster.status !== 'ready') await new Promise((resolve) => cluster.once('ready', resolve));
}

/**
 * One isolated Parcsal deployment for a test file: its own PostgreSQL database (cloned from the
 * migrated template) and its own Redis key prefix, so files run in parallel and re-runs start
 * clean. Start any number of API instances and workers on it: they share Redis and the database
 * exactly like separate processes do.
 */
export class TestStack {
  readonly prefix = `test:${randomBytes(5).toString('hex')}:`;
  private readonly contexts: INestApplicationContext[] = [];
  private redisClient: Redis | Cluster | null = null;

  private constructor(
    readonly databaseName: string,
    readonly databaseUrl: string,
    private readonly baseEnv: Env,
  ) {}

  static async create(env: Env = {}): Promise<TestStack> {
    const db = await createTestDatabase();
    return new TestStack(db.name, db.url, env);
  }

  /** The configuration an instance of this stack gets (env overrides on top). */
  config(env: Env = {}): AppConfig {
    return loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
      REDIS_URL: TEST_REDIS_URL,
      DATABASE_URL: this.databaseUrl,
      REDIS_KEY_PREFIX: this.prefix,
      DB_MIGRATE: 'false',
      THROTTLE_ENABLED: 'false',
      ...(TEST_REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES } : {}),
      ...this.baseEnv,
      ...env,
    });
  }

  async startApi(env: Env = {}): Promise<ApiInstance> {
    const config = this.config(env);
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
      bodyParser: false,
      abortOnError: false,
      bufferLogs: true,
    });
    configureApp(app, config);
    await app.listen(0, '127.0.0.1');
    this.contexts.push(app);
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const raw = () => request(app.getHttpServer());
    const documented = documentOf(raw);
    return { app, config, url, http: () => checkedAgent(raw, documented) };
  }

  async startWorker(env: Env = {}): Promise<INestApplicationContext> {
    const worker = await NestFactory.createApplicationContext(
      WorkerModule.forRoot(this.config(env)),
      {
        abortOnError: false,
        bufferLogs: true,
      },
    );
    // As src/worker.ts does: flush buffered logs into the JSON logger (LOG_LEVEL applies).
    worker.useLogger(worker.get(Logger));
    await worker.init();
    this.contexts.push(worker);
    return worker;
  }

  /**
   * A Redis client for assertions (keys, TTLs) on this stack's prefix: plain, or a Cluster client
   * when the suite runs on a Cluster (TEST_REDIS_CLUSTER_NODES).
   */
  redis(): Redis | Cluster {
    this.redisClient ??= TEST_REDIS_CLUSTER_NODES ? clusterClient() : new Redis(TEST_REDIS_URL);
    return this.redisClient;
  }

  /** Every key of this stack (SCAN on each master when on a Cluster). */
  async keys(): Promise<string[]> {
    const redis = this.redis();
    if (redis instanceof Cluster) await clusterReady(redis);
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const found: string[] = [];
    for (const node of nodes) {
      // Every key, BullMQ's and the hash-tagged groups' included, starts with the prefix.
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        found.push(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    return found;
  }

  /** Runs SQL on this stack's database (assertions and fixtures). */
  async sql<T extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async stop(context: INestApplicationContext): Promise<void> {
    const index = this.contexts.indexOf(context);
    if (index >= 0) this.contexts.splice(index, 1);
    await context.close();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.contexts.splice(0).map((c) => c.close()));
    const redis = this.redis();
    // One DEL per key: on a Cluster the keys of a stack span every slot.
    await Promise.all((await this.keys()).map((key) => redis.del(key)));
    await redis.quit();
    await dropTestDatabase(this.databaseName);
  }
}
