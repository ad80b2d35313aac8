/** Where the test suite finds its services (overridable for other machines). */
export const TEST_PG_ADMIN_URL =
  process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
import { MIGRATIONS_FOLDER } from '../../src/database/migrations';
import { hashTree, newHash } from './tree-hash';

/** Hash of every migration file: a new migration means a new template. */
function migrationsHash(): string {
  return hashTree(newHash(), MIGRATIONS_FOLDER).digest('hex').slice(0, 16);
}

/**
 * Every test database is created from this migrated template (fast, isolated). Its name carries
 * the migrations' hash, so concurrent jest runs share it safely and a schema change builds anew.
 */
export const TEMPLATE_DB = `parcsal_tpl_${migrationsHash()}`;

export function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
/**
 * `host:port,...` of a Redis Cluster (`npm run test:cluster` sets it): every TestStack app then
 * runs on the Cluster (REDIS_CLUSTER_NODES) and the stack's assertion client is a Cluster client.
 */
export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES || null;
