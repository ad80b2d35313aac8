import { Client, Pool } from 'pg';
import { migratePostgres } from '../../src/database/migrations';
import { databaseUrl, TEMPLATE_DB, TEST_PG_ADMIN_URL } from './test-env';

/** Any constant: serialises template builds of concurrent jest runs. */
const TEMPLATE_LOCK = 7_310_420_552;

/**
 * Builds the migrated template database that each test file clones, once per migration set:
 * built under another name and renamed when complete, so nobody clones a half-migrated one.
 */
export default async function globalSetup(): Promise<void> {
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      TEMPLATE_DB,
    ]);
    if (rowCount) return;
    const building = `${TEMPLATE_DB}_build`;
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${building}`);
    const pool = new Pool({ connectionString: databaseUrl(building), max: 1 });
    try {
      await migratePostgres(pool);
    } finally {
      await pool.end();
    }
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${TEMPLATE_DB}`);
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]).catch(() => undefined);
    await admin.end();
  }
}
