import { Logger } from '@nestjs/common';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PGlite } from '@electric-sql/pglite';
import { join } from 'node:path';
import type { Pool } from 'pg';

/** src/database and dist/database both sit two levels below the project root. */
export const MIGRATIONS_FOLDER = join(__dirname, '..', '..', 'drizzle');

/** Any number 64-bit constant, the same in every process: who holds it migrates. */
const MIGRATION_LOCK_ID = 7_310_420_551;

const logger = new Logger('Migrations');

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so that several API processes and
 * workers starting together migrate once: the first takes the lock and migrates, the others wait
 * for it and then find nothing to do.
 */
export async function migratePostgres(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
      logger.log('database schema is up to date');
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/** Embedded PGlite is single-process, so no lock is needed. */
export async function migratePgliteDb(client: PGlite): Promise<void> {
  await migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS_FOLDER });
  logger.log('embedded database schema is up to date');
}
