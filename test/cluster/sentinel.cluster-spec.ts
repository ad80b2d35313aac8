import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { EmailEvent } from '../../src/email/email-event';
import { RedisService } from '../../src/redis';
import { bearer, registerCompany, registerCustomer } from '../support/fixtures';
import { insertBooking } from '../support/chat-fixtures';
import { freePort, PrivateRedis } from '../support/redis-server';
import { SmtpSink } from '../support/smtp-sink';
import { emitWithAck, nextEvent, SocketClients } from '../support/socket-client';
import { ApiInstance, Env, TestStack } from '../support/test-stack';

/** A real redis-sentinel (`redis-server --sentinel`) watching one private master. */
async function startSentinel(masterPort: number): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const config = join(mkdtempSync(join(tmpdir(), 'parcsal-sentinel-')), 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `sentinel monitor parcsal 127.0.0.1 ${masterPort} 1`,
      'sentinel down-after-milliseconds parcsal 1000',
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
  const probe = new Redis(port, { lazyConnect: true, retryStrategy: () => null });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await probe.connect();
      const master = await probe.call('SENTINEL', 'get-master-addr-by-name', 'parcsal');
      if (master) break;
    } catch {
      probe.disconnect();
    }
    await sleep(50);
  }
  probe.disconnect();
  return { port, child };
}

/**
 * Every Redis feature through Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME): the processes ask
 * a real sentinel for the master, and sessions, cache, Socket.IO and the email queue all land on
 * it. (Runs in `npm run test:cluster`, which has redis binaries at hand; the stack's own Cluster
 * setting is overridden.)
 */
describe('through Redis Sentinel', () => {
  let master: PrivateRedis;
  let sentinel: { port: number; child: ChildProcess };
  let sink: SmtpSink;
  let stack: TestStack;
  let a: ApiInstance;
  let b: ApiInstance;
  let direct: Redis;
  const clients = new SocketClients();

  beforeAll(async () => {
    master = await PrivateRedis.start();
    sentinel = await startSentinel(master.port);
    sink = await SmtpSink.start();
    const env: Env = {
      REDIS_CLUSTER_NODES: '',
      // Nothing listens there: every connection must come from the sentinel's answer.
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_NAME: 'parcsal',
      SMTP_URL: sink.url,
    };
    stack = await TestStack.create(env);
    [a, b] = await Promise.all([stack.startApi(), stack.startApi()]);
    await stack.startWorker();
    direct = new Redis(master.url);
  });
  afterAll(async () => {
    clients.closeAll();
    direct?.disconnect();
    await stack.close();
    sentinel.child.kill('SIGKILL');
    await master.stop();
    await sink.close();
  });

  it('keeps sessions, cache, Socket.IO and the email queue on the master the sentinel names', async () => {
    expect(a.app.get(RedisService).client.options).toMatchObject({ name: 'parcsal' });
    const [customer, company] = await Promise.all([registerCustomer(a), registerCompany(b)]);

    // Sessions and revocation checks: a token issued on A works on B.
    await b
      .http()
      .get('/users/me')
      .set(...bearer(customer))
      .expect(200);
    expect(await direct.exists(`${stack.prefix}auth:{${customer.user.id}}:sessions`)).toBe(1);

    // The cache (node-redis sentinel client): MISS on A, HIT on B.
    const profile = (api: ApiInstance) =>
      api.http().get(`/companies/${company.company!.id}`).expect(200);
    expect((await profile(a)).headers['x-cache']).toBe('MISS');
    expect((await profile(b)).headers['x-cache']).toBe('HIT');

    // The email queue: an invitation goes outbox → BullMQ (on the master) → SMTP.
    const invitee = `sentinel-${Date.now()}@example.com`;
    await a
      .http()
      .post(`/companies/${company.company!.id}/invitations`)
      .set(...bearer(company))
      .send({ email: invitee })
      .expect(201);
    await sink.waitFor(() => sink.find(EmailEvent.CompanyInvitation, invitee).length > 0);
    expect((await direct.keys(`${stack.prefix}{bull}:*`)).length).toBeGreaterThan(0);

    // Socket.IO across instances (classic adapter through the sentinel's master).
    const bookingId = await insertBooking(
      stack,
      company.company!.id,
      customer.user.id,
      'CONFIRMED',
    );
    const onA = await clients.connect(a.url, customer.accessToken);
    const onB = await clients.connect(b.url, company.accessToken);
    for (const socket of [onA, onB]) {
      expect(await emitWithAck(socket, 'chat:join', { bookingId })).toEqual({
        ok: true,
      });
    }
    const received = nextEvent(onB, 'chat:message');
    await emitWithAck(onA, 'chat:send', { bookingId, text: 'via sentinel' });
    expect((await received).text).toBe('via sentinel');
    const channels = (await direct.pubsub('CHANNELS', `${stack.prefix}socket.io*`)) as string[];
    expect(channels.length).toBeGreaterThan(0);
  });
});
