import { Client, Pool } from 'pg';
import { migratePostgres } from '../../src/database/migrations';
import { databaseUrl, TEMPLATE_DB, TEST_PG_ADMIN_URL } from './test-env';

/** Builds the migrated template database that each test file clones. */
export default async function globalSetup(): Promise<void> {
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const pool = new Pool({ connectionString: databaseUrl(TEMPLATE_DB), max: 1 });
  try {
    await migratePostgres(pool);
  } finally {
    await pool.end();
  }
}
