import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionStore } from '../../src/auth/session.store';
import { TokenService } from '../../src/auth/token.service';
import { loadConfig } from '../../src/config';
import { RedisService } from '../../src/redis';
import { io, Socket } from 'socket.io-client';
import { api, must } from '../lib/http';
import { progress } from '../lib/log';
import { BenchContext, Scenario, ScenarioResult, SkipScenario, Table } from '../lib/scenario';
import { fmt, round } from '../lib/stats';

const USERS = 1000;
/**
 * Sign-ins over HTTP. Each costs an argon2 verification (tens of ms of CPU, minutes for 1,000 on
 * a loaded 2-core machine); the other sessions are written by the same SessionStore and
 * TokenService code a login runs after the password check, so Redis holds exactly what 1,000
 * logins leave.
 */
const REAL_LOGINS = 100;
const QUEUED_EMAILS = 1000;

/** The analysis' Redis memory table (1,000 users, 10,000 shipments, 100 companies). */
const ESTIMATES_MB: Record<string, number | null> = {
  'Socket.IO adapter': 50,
  'Email queue (BullMQ)': 10,
  'Response cache': 100,
  'Rate limiting': 20,
  'Revocations (token blacklist)': 5,
  Sessions: null,
  Locks: null,
  'Email metrics': null,
};

/** Feature of a key (the bench prefix already removed, or the hash-tagged BullMQ prefix). */
function familyOf(key: string, prefix: string): string {
  // Hash-tagged groups (`<prefix>{bull}:...`, `<prefix>{cache-tag}:...`) count as their group.
  const rest = key.slice(prefix.length).replace(/^\{([^}]*)\}/, '$1');
  if (rest.startsWith('bull:')) return 'Email queue (BullMQ)';
  if (rest.startsWith('auth:')) {
    return /:revoked:|:valid-after$/.test(rest) ? 'Revocations (token blacklist)' : 'Sessions';
  }
  if (rest.startsWith('throttle:')) return 'Rate limiting';
  if (rest.startsWith('cache')) return 'Response cache';
  if (rest.startsWith('socket.io')) return 'Socket.IO adapter';
  if (rest.startsWith('lock:')) return 'Locks';
  if (rest.startsWith('email:')) return 'Email metrics';
  return `other (${rest.split(':')[0]})`;
}

/** Sessions and access tokens for seeded customers `numbers`, as AccountsService.startSession makes them. */
async function sessionsInProcess(
  ctx: BenchContext,
  numbers: number[],
): Promise<Map<number, string>> {
  const config = loadConfig({ ...ctx.stack.baseEnv(), ...ctx.defaultApiEnv() });
  const redis = new RedisService(config);
  await redis.onModuleInit();
  const sessions = new SessionStore(redis, config);
  sessions.onModuleInit();
  const tokens = new TokenService(config);
  const emails = numbers.map((n) => ctx.seed.customerEmail(n));
  const rows = await ctx.stack.sql<{ id: string; email: string }>(
    'SELECT id, email FROM users WHERE email = ANY($1)',
    [emails],
  );
  const idOf = new Map(rows.map((r) => [r.email, r.id]));
  const issued = new Map<number, string>();
  try {
    await pool(numbers, 16, async (n) => {
      const userId = idOf.get(ctx.seed.customerEmail(n));
      if (!userId) return;
      const sid = randomUUID();
      const pair = await tokens.issuePair(userId, sid);
      const now = String(Date.now());
      await sessions.create(
        {
          id: sid,
          userId,
          userAgent: 'parcsal-bench',
          ip: ipOf(n),
          createdAt: now,
          lastSeenAt: now,
        },
        pair.refreshJti,
      );
      issued.set(n, pair.accessToken);
    });
  } finally {
    await redis.onApplicationShutdown();
  }
  return issued;
}

function ipOf(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

async function pool<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/** Scenario 8: Redis memory by feature for the analysis' scenario, next to its estimates. */
export const memory: Scenario = {
  id: 'memory',
  title: "Redis memory by feature (the analysis' scenario)",
  budgetSeconds: 200,
  method:
    'Every earlier process is stopped and every key of the bench prefix deleted; then two API ' +
    'processes (limits on with their default values, `TRUST_PROXY=1` so each simulated user has ' +
    'its own client IP in `X-Forwarded-For`) and one worker (`EMAIL_RATE_LIMIT=1/3600`, so queued ' +
    "emails stay queued) build the analysis' scenario on the seeded data (10,000 shipments, 100 " +
    'companies): 1,000 customers sign in (100 through `POST /auth/login`; 900 sessions written ' +
    'in the bench process by the real SessionStore and TokenService, as a login does after its ' +
    'argon2 check, to spare minutes of password hashing) and each reads `/users/me` ' +
    'from its own IP (rate-limit counters live, 1,000 cached profiles), the ' +
    'dashboard, 100 company profiles, 100 review stats and 200 distinct searches are cached, ' +
    '1,000 sockets are connected (one per user), 50 users log out (revocations), and 1,000 ' +
    'emails are put in the outbox and relayed to the queue. Then every key of the prefix is ' +
    'measured with `MEMORY USAGE <key> SAMPLES 0` and summed per feature, next to `INFO memory`. ' +
    'A single pass: the scenario is built once and measured once (memory does not vary with load ' +
    'the way latency does; no spread is given).',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { stack } = ctx;
    await stack.stopAll();
    ctx.forgetApis();
    ctx.forgetTokens();
    await stack.deleteKeys(`${stack.prefix}*`);
    await stack.deleteKeys(`${stack.prefix}{bull}*`);
    await stack.sql(
      "UPDATE email_outbox SET state = 'SENT', queued_at = now(), sent_at = now() WHERE sent_at IS NULL",
    );
    const redis = stack.redis();
    const usedBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

    const env = { ...ctx.defaultApiEnv(), THROTTLE_ENABLED: 'true', TRUST_PROXY: '1' };
    const [m1, m2] = await Promise.all([
      stack.startApi('api-mem-1', env),
      stack.startApi('api-mem-2', env),
    ]);
    const worker = await stack.startWorker('worker-mem', {
      SMTP_URL: ctx.sink.url,
      EMAIL_RATE_LIMIT: '1/3600',
    });
    const sockets: Socket[] = [];
    try {
      // 1,000 signed-in users, each from its own IP: the first REAL_LOGINS through
      // POST /auth/login, the rest through the real SessionStore and TokenService in-process.
      progress(`  memory: ${USERS} customers sign in (${REAL_LOGINS} over HTTP)`);
      const users = Array.from({ length: Math.min(USERS, ctx.seed.customers) }, (_, i) => i + 1);
      const tokens = new Map<number, string>();
      let refused = 0;
      await pool(users.slice(0, REAL_LOGINS), 6, async (n) => {
        const login = await api<{ accessToken: string }>(
          n % 2 ? m1.url : m2.url,
          'POST',
          '/auth/login',
          {
            headers: { 'x-forwarded-for': ipOf(n) },
            body: { email: ctx.seed.customerEmail(n), password: ctx.seed.password },
          },
        );
        if (login.status === 200) tokens.set(n, login.body.accessToken);
        else refused++;
      });
      const issued = await sessionsInProcess(ctx, users.slice(REAL_LOGINS));
      for (const [n, token] of issued) tokens.set(n, token);
      progress('  memory: every user reads /users/me');
      await pool([...tokens.entries()], 10, async ([n, token]) => {
        const url = n % 2 ? m1.url : m2.url;
        const r = await api(url, 'GET', '/users/me', {
          token,
          headers: { 'x-forwarded-for': ipOf(n) },
        });
        if (r.status !== 200) refused++;
      });
      if (tokens.size === 0) throw new SkipScenario('no customer could sign in');
      progress(`  memory: ${tokens.size} sessions; warming caches`);

      // Caches: dashboard, company profiles and review stats, searches.
      const adminLogin = await must<{ accessToken: string }>(m1.url, 'POST', '/auth/login', {
        headers: { 'x-forwarded-for': ipOf(60_000) },
        body: { email: ctx.seed.adminEmail, password: ctx.seed.password },
      });
      const adminHeaders = { 'x-forwarded-for': ipOf(60_001) };
      await api(m1.url, 'GET', '/admin/dashboard/summary', {
        token: adminLogin.accessToken,
        headers: adminHeaders,
      });
      await api(m1.url, 'GET', '/admin/dashboard/stats?days=30', {
        token: adminLogin.accessToken,
        headers: adminHeaders,
      });
      const companies = await stack.sql<{ id: string; slug: string }>(
        'SELECT id, slug FROM companies LIMIT 100',
      );
      const routes = await stack.sql<{ origin: string; destination: string }>(
        'SELECT origin, destination FROM shipments GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 200',
      );
      const reads = [
        ...companies.flatMap((c) => [`/companies/${c.slug}`, `/companies/${c.id}/reviews/stats`]),
        ...routes.map(
          (r) =>
            `/shipments/search?origin=${encodeURIComponent(r.origin)}&destination=${encodeURIComponent(r.destination)}`,
        ),
      ];
      await pool(
        reads.map((path, i) => ({ path, i })),
        6,
        async ({ path, i }) => {
          const r = await api(i % 2 ? m1.url : m2.url, 'GET', path, {
            headers: { 'x-forwarded-for': ipOf(2000 + i) },
          });
          if (r.status !== 200) refused++;
        },
      );

      // 1,000 connected sockets, one per user, over both instances.
      progress('  memory: connecting a socket per user');
      const entries = [...tokens.entries()];
      for (let i = 0; i < entries.length; i += 50) {
        sockets.push(
          ...(await Promise.all(
            entries.slice(i, i + 50).map(
              ([n, token]) =>
                new Promise<Socket>((resolve, reject) => {
                  const s = io(n % 2 ? m1.url : m2.url, {
                    transports: ['websocket'],
                    reconnection: false,
                    forceNew: true,
                    auth: { token },
                  });
                  s.once('connect', () => resolve(s));
                  s.once('connect_error', reject);
                }),
            ),
          )),
        );
      }

      // 5 % of the users log out: their revocations.
      const leaving = entries.slice(0, Math.round(entries.length / 20));
      await pool(leaving, 6, async ([n, token]) => {
        await api(n % 2 ? m1.url : m2.url, 'POST', '/auth/logout', {
          token,
          headers: { 'x-forwarded-for': ipOf(n) },
        });
      });

      // 1,000 queued emails.
      progress(`  memory: ${QUEUED_EMAILS} emails to the queue`);
      await stack.sql(
        `INSERT INTO email_outbox (event, "to", payload)
         SELECT 'booking.confirmed', 'queued-' || i || '@bench.local',
                jsonb_build_object('bookingId', gen_random_uuid(), 'customerName', 'Bench', 'priceCents', 1234)
         FROM generate_series(1, $1::int) i`,
        [QUEUED_EMAILS],
      );
      const deadline = Date.now() + 30_000;
      let pending = QUEUED_EMAILS;
      while (Date.now() < deadline) {
        [{ pending }] = await stack.sql<{ pending: number }>(
          "SELECT count(*)::int AS pending FROM email_outbox WHERE queued_at IS NULL",
        );
        if (pending === 0) break;
        await sleep(300);
      }
      await sleep(1000);

      // Measure every key.
      progress('  memory: MEMORY USAGE of every key');
      const families = new Map<string, { keys: number; bytes: number }>();
      for (const pattern of [`${stack.prefix}*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          if (keys.length === 0) continue;
          const pipeline = redis.pipeline();
          for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
          const sizes = (await pipeline.exec()) ?? [];
          keys.forEach((key, i) => {
            const family = familyOf(key, stack.prefix);
            const entry = families.get(family) ?? { keys: 0, bytes: 0 };
            entry.keys++;
            entry.bytes += Number(sizes[i]?.[1] ?? 0);
            families.set(family, entry);
          });
        } while (cursor !== '0');
      }
      const info = await redis.info('memory');
      const usedAfter = Number(/used_memory:(\d+)/.exec(info)![1]);
      const dataset = Number(/used_memory_dataset:(\d+)/.exec(info)?.[1] ?? NaN);
      const clients = await redis.info('clients');
      const pubsub = (await redis.call('PUBSUB', 'NUMPAT')) as number;
      const channels = ((await redis.call('PUBSUB', 'CHANNELS', `${stack.prefix}*`)) as string[])
        .length;
      const [{ queued }] = await stack.sql<{ queued: number }>(
        "SELECT count(*)::int AS queued FROM email_outbox WHERE \"to\" LIKE 'queued-%' AND queued_at IS NOT NULL AND sent_at IS NULL",
      );

      /** Unrounded MB (display rounds); every ratio below is taken from bytes. */
      const mb = (bytes: number) => bytes / 1024 / 1024;
      const estimateRatio = (estimateMb: number, bytes: number) =>
        `${fmt((estimateMb * 1024 * 1024) / bytes)}×`;
      const names = [...new Set([...Object.keys(ESTIMATES_MB), ...families.keys()])];
      const totalBytes = [...families.values()].reduce((s, f) => s + f.bytes, 0);
      const totalKeys = [...families.values()].reduce((s, f) => s + f.keys, 0);
      const rows = names.map((name) => {
        const f = families.get(name) ?? { keys: 0, bytes: 0 };
        const estimate = ESTIMATES_MB[name];
        return [
          name,
          estimate === null || estimate === undefined ? '—' : `${estimate} MB`,
          f.keys,
          mb(f.bytes),
          f.keys ? round(f.bytes / f.keys, 0) : 0,
          !estimate ? '' : f.bytes === 0 ? 'nothing stored' : estimateRatio(estimate, f.bytes),
        ];
      });
      rows.push([
        '**total**',
        '185 MB',
        totalKeys,
        mb(totalBytes),
        totalKeys ? round(totalBytes / totalKeys, 0) : 0,
        totalBytes > 0 ? estimateRatio(185, totalBytes) : 'nothing stored',
      ]);
      const memoryTable: Table = {
        title: `Redis memory by feature: ${tokens.size} signed-in users, ${sockets.length} sockets, caches warm, ${queued} emails queued`,
        taken: 'single pass: MEMORY USAGE of every key under the prefix once the scenario is built',
        columns: [
          'feature',
          'analysis estimate',
          'keys',
          'measured MB (MEMORY USAGE)',
          'bytes/key',
          'estimate / measured',
        ],
        rows,
      };
      return {
        headline: [
          `Redis memory for the analysis' scenario (single pass): ${fmt(mb(totalBytes))} MB in ${totalKeys} keys (analysis: ~185 MB); INFO used_memory grew by ${fmt(mb(usedAfter - usedBefore))} MB`,
        ],
        tables: [
          memoryTable,
          {
            title: 'INFO memory and connections',
            taken: 'single pass: INFO before and after building the scenario',
            columns: ['figure', 'value'],
            rows: [
              ['used_memory before the scenario', `${fmt(mb(usedBefore))} MB`],
              ['used_memory after', `${fmt(mb(usedAfter))} MB`],
              ['used_memory_dataset after', `${fmt(mb(dataset))} MB`],
              ['connected_clients', /connected_clients:(\d+)/.exec(clients)?.[1] ?? '?'],
              [
                'pub/sub patterns (server-wide) / channels under the prefix',
                `${pubsub} / ${channels}`,
              ],
              ['requests not 2xx while building the scenario', refused],
            ],
          },
        ],
        charts: [
          {
            file: 'bench-memory.svg',
            title: 'Redis memory by feature: analysis estimate vs measured',
            unit: 'MB',
            log: true,
            note: 'MEMORY USAGE summed per feature',
            bars: names
              .filter((n) => ESTIMATES_MB[n] || families.has(n))
              .flatMap((name) => [
                ...(ESTIMATES_MB[name]
                  ? [
                      {
                        label: `${name}, estimate`,
                        value: ESTIMATES_MB[name] ?? 0,
                        group: 'analysis estimate',
                      },
                    ]
                  : []),
                {
                  label: `${name}, measured`,
                  value: mb(families.get(name)?.bytes ?? 0),
                  group: 'measured',
                },
              ]),
          },
        ],
        notes: [
          'MEMORY USAGE counts each key with its value and overhead; INFO used_memory adds allocator and connection buffers (with the private bench Redis it contains nothing else).',
          'Locks exist only while held (milliseconds), so at rest they take nothing; the Socket.IO Redis adapter uses pub/sub and stores no keys.',
          'Response-cache entries expire by TTL (60–300 s), so this is the warm steady state for this traffic, not a ceiling; the cache may live on its own LRU-evicting Redis (CACHE_REDIS_URL).',
        ],
        claims: [
          {
            topic: 'Redis memory (1,000 users, 10,000 shipments, 100 companies)',
            analysis: '~185 MB in total (table below)',
            measured: `${fmt(mb(totalBytes))} MB of keys (${totalKeys} keys), used_memory +${fmt(mb(usedAfter - usedBefore))} MB (single pass); see the table`,
          },
        ],
        claimTables: [memoryTable],
        capacity: [
          `Redis: the whole analysis scenario added ${fmt(mb(usedAfter - usedBefore))} MB to used_memory; a 256 MB instance holds ${Math.floor(256 / Math.max(mb(usedAfter - usedBefore), 1e-6))} times that (sessions, counters and cache grow with users and distinct cached URLs).`,
        ],
        data: {
          families: Object.fromEntries(families),
          totalBytes,
          totalKeys,
          usedMemoryBefore: usedBefore,
          usedMemoryAfter: usedAfter,
          usedMemoryDataset: dataset,
          users: tokens.size,
          sockets: sockets.length,
          queuedEmails: queued,
          refused,
        },
      };
    } finally {
      for (const s of sockets) s.close();
      await Promise.all([stack.stop(m1), stack.stop(m2), stack.stop(worker)]);
    }
  },
};
