import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from './schema';

/**
 * The Drizzle database. PGlite's driver builds the same PostgreSQL query builder, so both drivers
 * are used through this one type.
 */
export type Database = NodePgDatabase<typeof schema>;
/** A transaction handed to `db.transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Anything queries can run on: the database or an open transaction. */
export type DbExecutor = Database | Tx;

/** Injection token of the Drizzle database. */
export const DB = Symbol('DB');
