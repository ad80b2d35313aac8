/*
 * `npm run db:seed [-- --companies N --customers N --shipments N --bookings N --scale X]`
 *
 * Fills the configured database (DATABASE_URL, or embedded PGlite in DATA_DIR) with realistic
 * demo data after applying pending migrations. Progress goes to stderr, the summary to stdout.
 */
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { rootLogger } from '../src/common/app-logger';
import { exitOnStartupFailure } from '../src/common/start-up';
import { loadConfigFromProcess } from '../src/config';
import { Database, describePostgres, openEmbedded, openPostgres, schema } from '../src/database';
import {
  DEFAULT_SEED_SIZES,
  SEED_ADMIN_EMAIL,
  SEED_EMAIL_DOMAIN,
  SEED_PASSWORD,
  SeedProgress,
  SeedSizes,
  seedDatabase,
} from './seed-data';

const USAGE =
  'usage: npm run db:seed -- [--companies N] [--customers N] [--shipments N] [--bookings N] [--scale X]';

/** `--name N` or `--name=N`; `--scale X` multiplies every size not given explicitly. */
export function parseSeedArgs(argv: string[]): SeedSizes {
  const given: Partial<Record<keyof SeedSizes | 'scale', number>> = {};
  const names = [...Object.keys(DEFAULT_SEED_SIZES), 'scale'];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !names.includes(name))
      throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    const valid =
      name === 'scale'
        ? Number.isFinite(value) && value > 0
        : Number.isInteger(value) && value >= 0;
    if (raw === undefined || !valid)
      throw new Error(
        `--${name} needs a ${name === 'scale' ? 'positive number' : 'whole number ≥ 0'}\n${USAGE}`,
      );
    given[name as keyof typeof given] = value;
  }
  const scale = given.scale ?? 1;
  const size = (key: keyof SeedSizes) =>
    given[key] ?? Math.max(1, Math.round(DEFAULT_SEED_SIZES[key] * scale));
  return {
    companies: size('companies'),
    customers: size('customers'),
    shipments: size('shipments'),
    bookings: size('bookings'),
  };
}

/** A one-line progress bar, redrawn in place on a terminal, every 10% otherwise. */
function progressBar(): { update: (p: SeedProgress) => void; finish: () => void } {
  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  return {
    update({ phase, done, total }) {
      const ratio = total === 0 ? 1 : done / total;
      const width = 30;
      const filled = Math.round(ratio * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${phase} (${done}/${total} rows)`;
      if (tty) process.stderr.write(`\r${line.padEnd(80)}`);
      else if (Math.floor(ratio * 10) > lastTenth) {
        lastTenth = Math.floor(ratio * 10);
        process.stderr.write(`${line}\n`);
      }
    },
    finish() {
      if (tty) process.stderr.write('\n');
    },
  };
}

async function openDatabase(): Promise<{
  db: Database;
  where: string;
  close: () => Promise<void>;
}> {
  const config = loadConfigFromProcess();
  // Same JSON log lines (migrations) as the API and the worker.
  rootLogger(config.logLevel);
  if (config.databaseUrl) {
    // Same checks as the API's start-up: an unreachable database is one line naming DATABASE_URL.
    const pool = await openPostgres(config.databaseUrl, true, { max: 2 });
    return {
      db: drizzlePg(pool, { schema }),
      where: `PostgreSQL ${describePostgres(config.databaseUrl)}`,
      close: () => pool.end(),
    };
  }
  // Refuses (one line naming the holder) while an API or worker has DATA_DIR open.
  const { pglite, lock } = await openEmbedded(config.dataDir, true);
  return {
    db: drizzlePglite(pglite, { schema }) as unknown as Database,
    where: `embedded PGlite in ${config.dataDir}`,
    close: async () => {
      await pglite.close();
      lock.release();
    },
  };
}

async function main(): Promise<void> {
  const sizes = parseSeedArgs(process.argv.slice(2));
  const { db, where, close } = await openDatabase();
  const bar = progressBar();
  const started = Date.now();
  try {
    const summary = await seedDatabase(db, sizes, { onProgress: bar.update });
    bar.finish();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const statuses = Object.entries(summary.bookingsByStatus)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ');
    console.log(
      [
        `Seeded ${where} in ${seconds} s:`,
        `  users      ${summary.users} (${summary.customers} customers, ${summary.companies} owners, ${summary.members} members, ${summary.adminCreated ? 1 : 0} admin)`,
        `  companies  ${summary.companies} (${summary.proCompanies} on PRO)`,
        `  shipments  ${summary.shipments}`,
        `  bookings   ${summary.bookings} (${statuses})`,
        `  payments   ${summary.payments} (revenue ${(summary.revenueCents / 100).toFixed(2)})`,
        `  reviews    ${summary.reviews}`,
        `Every seeded user has the password "${SEED_PASSWORD}":`,
        summary.adminCreated
          ? `  admin: ${SEED_ADMIN_EMAIL}, customers: customer1@${SEED_EMAIL_DOMAIN}..., company owners: owner1@${SEED_EMAIL_DOMAIN}...`
          : `  customers: customer1@${SEED_EMAIL_DOMAIN}..., company owners: owner1@${SEED_EMAIL_DOMAIN}...\n` +
            `No admin seeded: ${SEED_ADMIN_EMAIL} is an existing account, left unchanged (the seed never takes over an account it did not create).`,
      ].join('\n'),
    );
  } finally {
    await close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => exitOnStartupFailure(error, 'Seed'));
}
