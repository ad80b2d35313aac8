import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PGlite } from '@electric-sql/pglite';
import { join } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { rootLogger } from '../common/app-logger';
import { reasonOf, StartupError } from '../common/start-up';

/** src/database and dist/database both sit two levels below the project root. */
export const MIGRATIONS_FOLDER = join(__dirname, '..', '..', 'drizzle');

/** Any number 64-bit constant, the same in every process: who holds it migrates. */
const MIGRATION_LOCK_ID = 7_310_420_551;

/** Drizzle's own record of applied migrations (absent before the first one). */
const APPLIED_COUNT = 'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations';

/** Same line whoever logs it (API, worker, db:seed), through the process's one JSON logger. */
const logger = () => rootLogger().child({ context: 'Migrations' });

export class MigrationError extends StartupError {
  constructor(where: string, variable: string, cause: unknown) {
    super(
      `Applying database migrations to ${where} failed (${variable}; DB_MIGRATE=false skips them): ${reasonOf(cause)}`,
      { cause },
    );
    this.name = 'MigrationError';
  }
}

async function appliedCount(query: (sql: string) => Promise<{ rows: unknown[] }>): Promise<number> {
  try {
    const { rows } = await query(APPLIED_COUNT);
    return (rows[0] as { n: number }).n;
  } catch {
    return 0;
  }
}

function logOutcome(before: number, after: number, where: string): void {
  if (after > before)
    logger().info(
      { applied: after - before, total: after },
      `applied ${after - before} migrations to ${where}`,
    );
  else logger().info({ applied: 0, total: after }, `${where} schema is up to date`);
}

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so that several API processes and
 * workers starting together migrate once: the first takes the lock and migrates, the others wait
 * for it and then find nothing to do. Logs how many it applied.
 */
export async function migratePostgres(pool: Pool): Promise<void> {
  const client: PoolClient = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      const before = await appliedCount((sql) => client.query(sql));
      try {
        await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
      } catch (error) {
        throw new MigrationError('PostgreSQL', 'DATABASE_URL', error);
      }
      logOutcome(before, await appliedCount((sql) => client.query(sql)), 'database');
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/** Embedded PGlite: the DATA_DIR lock (data-dir-lock.ts) already makes this process the only one. */
export async function migratePgliteDb(client: PGlite): Promise<void> {
  const before = await appliedCount((sql) => client.query(sql));
  try {
    await migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    throw new MigrationError('the embedded database', 'DATA_DIR', error);
  }
  logOutcome(before, await appliedCount((sql) => client.query(sql)), 'embedded database');
}
