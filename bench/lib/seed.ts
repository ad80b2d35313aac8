import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { migratePostgres } from '../../src/database/migrations';
import * as schema from '../../src/database/schema';
import { progress } from './log';
import { ROOT } from './stack';

/** Credentials of the seeded users (scripts/seed-data.ts uses one password for all). */
export interface SeededLogins {
  password: string;
  adminEmail: string;
  customerEmail: (n: number) => string;
  ownerEmail: (n: number) => string;
  customers: number;
  companies: number;
}

/**
 * Migrates the scratch database and fills it with the default seed size through the project's
 * own seeding function (scripts/seed-data.ts `seedDatabase`), the same data `npm run db:seed`
 * writes.
 */
export async function seedBenchDatabase(
  databaseUrl: string,
): Promise<SeededLogins & { summary: unknown; seconds: number }> {
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const started = Date.now();
    await migratePostgres(pool);
    const seedPath = join(ROOT, 'scripts', 'seed-data.ts');
    if (!existsSync(seedPath)) {
      throw new Error(
        'scripts/seed-data.ts (seedDatabase) is missing: the bench needs the seed data',
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const seed = require(seedPath) as typeof import('../../scripts/seed-data');
    const db = drizzle(pool, { schema });
    let lastShown = 0;
    const summary = await seed.seedDatabase(db, seed.DEFAULT_SEED_SIZES, {
      onProgress: ({ phase, done, total }) => {
        const pct = Math.floor((done / total) * 100);
        if (pct >= lastShown + 20 || done === total) {
          lastShown = pct;
          progress(`  seed ${phase}: ${pct}%`);
        }
      },
    });
    const domain = seed.SEED_EMAIL_DOMAIN;
    return {
      password: seed.SEED_PASSWORD,
      adminEmail: seed.SEED_ADMIN_EMAIL,
      customerEmail: (n) => `customer${n}@${domain}`,
      ownerEmail: (n) => `owner${n}@${domain}`,
      customers: seed.DEFAULT_SEED_SIZES.customers,
      companies: seed.DEFAULT_SEED_SIZES.companies,
      summary,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await pool.end();
  }
}
