import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '../config';
import { DatabaseHealth } from './database.health';
import { Database, DB } from './database.types';
import { migratePgliteDb, migratePostgres } from './migrations';
import * as schema from './schema';

/** The driver-level handle, kept to close it on shutdown. */
export const DB_CLIENT = Symbol('DB_CLIENT');
type DbClient = { kind: 'pg'; pool: Pool } | { kind: 'pglite'; pglite: PGlite };

const logger = new Logger('Database');

async function openDatabase(config: AppConfig): Promise<{ client: DbClient; db: Database }> {
  if (config.databaseUrl) {
    const pool = new Pool({
      connectionString: config.databaseUrl,
      max: 10,
      connectionTimeoutMillis: 5000,
      // A stuck query never holds a request forever.
      statement_timeout: 15000,
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', (err) => logger.warn(`PostgreSQL idle client error: ${err.message}`));
    if (config.dbMigrate) await migratePostgres(pool);
    return { client: { kind: 'pg', pool }, db: drizzlePg(pool, { schema }) };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const pglite = new PGlite(join(config.dataDir, 'pglite'));
  if (config.dbMigrate) await migratePgliteDb(pglite);
  // Same query builder over the same schema; see Database in database.types.ts.
  const db = drizzlePglite(pglite, { schema }) as unknown as Database;
  return { client: { kind: 'pglite', pglite }, db };
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
    if (client.kind === 'pg') await client.pool.end();
    else await client.pglite.close();
  }
}
