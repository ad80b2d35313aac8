import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { rootLogger } from '../common/app-logger';
import { reasonOf, StartupError } from '../common/start-up';
import { APP_CONFIG, AppConfig } from '../config';
import { DataDirLock } from './data-dir-lock';
import { DatabaseHealth } from './database.health';
import { Database, DB } from './database.types';
import { migratePgliteDb, migratePostgres } from './migrations';
import * as schema from './schema';

/** The driver-level handle, kept to close it on shutdown. */
export const DB_CLIENT = Symbol('DB_CLIENT');
type DbClient = { kind: 'pg'; pool: Pool } | { kind: 'pglite'; pglite: PGlite; lock: DataDirLock };

const logger = () => rootLogger().child({ context: 'Database' });

/** `host:port/database` of a PostgreSQL URL, for messages (never the password). */
export function describePostgres(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.host}${url.pathname}`;
}

/**
 * The embedded database in `dataDir`, opened by this process only (see DataDirLock), migrated
 * unless `migrate` is false.
 */
export async function openEmbedded(
  dataDir: string,
  migrate: boolean,
): Promise<{ pglite: PGlite; lock: DataDirLock }> {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new StartupError(`Cannot create ${dataDir} (DATA_DIR): ${reasonOf(error)}`);
  }
  const lock = new DataDirLock(dataDir);
  lock.acquire();
  try {
    const pglite = new PGlite(join(dataDir, 'pglite'));
    try {
      await pglite.waitReady;
    } catch (error) {
      throw new StartupError(
        `Cannot open the embedded database in ${dataDir} (DATA_DIR): ${reasonOf(error)}`,
        { cause: error },
      );
    }
    if (migrate) await migratePgliteDb(pglite);
    return { pglite, lock };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * A PostgreSQL pool that has answered once (else start-up stops with one line naming
 * DATABASE_URL), migrated unless `migrate` is false.
 */
export async function openPostgres(
  databaseUrl: string,
  migrate: boolean,
  options: { max: number } = { max: 10 },
): Promise<Pool> {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: options.max,
    connectionTimeoutMillis: 5000,
    // A stuck query never holds a request forever.
    statement_timeout: 15000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (err) => logger().warn(`PostgreSQL idle client error: ${err.message}`));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StartupError(
      `Cannot reach PostgreSQL at ${describePostgres(databaseUrl)} (DATABASE_URL): ${reasonOf(error)}`,
      { cause: error },
    );
  }
  try {
    if (migrate) await migratePostgres(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}

async function openDatabase(config: AppConfig): Promise<{ client: DbClient; db: Database }> {
  if (config.databaseUrl) {
    const pool = await openPostgres(config.databaseUrl, config.dbMigrate);
    return { client: { kind: 'pg', pool }, db: drizzlePg(pool, { schema }) };
  }
  const { pglite, lock } = await openEmbedded(config.dataDir, config.dbMigrate);
  // Same query builder over the same schema; see Database in database.types.ts.
  const db = drizzlePglite(pglite, { schema }) as unknown as Database;
  return { client: { kind: 'pglite', pglite, lock }, db };
}

@Global()
@Module({
  providers: [
    {
      provide: DB_CLIENT,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => openDatabase(config),
    },
    { provide: DB, inject: [DB_CLIENT], useFactory: (opened: { db: Database }) => opened.db },
    DatabaseHealth,
  ],
  exports: [DB, DatabaseHealth],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DB_CLIENT) private readonly opened: { client: DbClient }) {}

  async onApplicationShutdown(): Promise<void> {
    const { client } = this.opened;
    if (client.kind === 'pg') {
      await client.pool.end();
      return;
    }
    try {
      await client.pglite.close();
    } finally {
      client.lock.release();
    }
  }
}
