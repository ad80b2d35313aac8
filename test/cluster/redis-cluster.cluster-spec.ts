import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { EmailEvent } from '../../src/email/email-event';
import { QueueName } from '../../src/queues/queue-jobs';
import { hashPassword } from '../../src/auth/password';
import { LockService } from '../../src/locks';
import { RedisService } from '../../src/redis';
import { bearer, PASSWORD, registerCompany, registerCustomer } from '../support/fixtures';
import { insertBooking } from '../support/chat-fixtures';
import { counterValue, deferred, waiterQueued } from '../support/ordering';
import { SmtpSink } from '../support/smtp-sink';
import { emitWithAck, nextEvent, SocketClients } from '../support/socket-client';
import { ApiInstance, TestStack } from '../support/test-stack';
import { TEST_REDIS_CLUSTER_NODES } from '../support/test-env';

/**
 * What only a Redis Cluster can get wrong: keys of one multi-key operation in one slot, keys of
 * the whole system spread over the masters, Socket.IO on sharded pub/sub, the cache on the
 * Cluster. The behaviour suites (realtime, throttle, auth, locks, email, campaigns) run on the
 * Cluster unchanged through `npm run test:cluster`.
 */
describe('on a 3-master Redis Cluster', () => {
  let stack: TestStack;
  let sink: SmtpSink;
  let a: ApiInstance;
  let b: ApiInstance;
  let worker: INestApplicationContext;
  let redis: Cluster;
  const clients = new SocketClients();

  const slot = async (key: string) => Number(await redis.cluster('KEYSLOT', key));
  const masterOf = async (key: string) => {
    const owner = await slot(key);
    const shards = await redis.cluster('SLOTS');
    const shard = shards.find(([from, to]) => owner >= from && owner <= to)!;
    return `${shard[2][0]}:${shard[2][1]}`;
  };

  beforeAll(async () => {
    if (!TEST_REDIS_CLUSTER_NODES) throw new Error('run through `npm run test:cluster`');
    sink = await SmtpSink.start();
    stack = await TestStack.create({ SMTP_URL: sink.url });
    [a, b, worker] = await Promise.all([stack.startApi(), stack.startApi(), stack.startWorker()]);
    redis = stack.redis() as Cluster;
  });
  afterEach(() => clients.closeAll());
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  it('runs every process on the Cluster', () => {
    for (const app of [a.app, b.app, worker]) {
      expect(app.get(RedisService).client).toBeInstanceOf(Cluster);
    }
  });

  it('spreads the keys of users over every master, each user’s session keys in one slot', async () => {
    // One user id per master, chosen by the slot of its hash tag (random ids would miss a
    // master now and then): the users are stored with these ids, then sign in over HTTP.
    const idOn = new Map<string, string>();
    while (idOn.size < 3) {
      const id = randomUUID();
      const master = await masterOf(`{${id}}`);
      if (!idOn.has(master)) idOn.set(master, id);
    }
    const passwordHash = await hashPassword(PASSWORD);
    const users = [...idOn.values()].map((id) => ({ id, email: `spread-${id}@example.com` }));
    for (const user of users) {
      await stack.sql(
        `INSERT INTO users (id, email, password_hash, name, role) VALUES ($1, $2, $3, 'Spread', 'CUSTOMER')`,
        [user.id, user.email, passwordHash],
      );
      await a
        .http()
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
    }
    const keys = (await stack.keys()).filter((k) => k.includes(':auth:{'));
    const masters = new Set<string>();
    for (const [master, id] of idOn) {
      const own = keys.filter((k) => k.includes(`{${id}}`));
      expect(own.length).toBeGreaterThanOrEqual(2);
      expect(new Set(await Promise.all(own.map(slot))).size).toBe(1);
      // Every key of the user sits on the master its id was chosen for.
      for (const owner of await Promise.all(own.map(masterOf))) expect(owner).toBe(master);
      masters.add(master);
    }
    expect(masters.size).toBe(3);
  });

  it('keeps every key of a BullMQ queue in one slot, and emails flow through it', async () => {
    const owner = await registerCompany(a);
    const invitee = `invitee-${randomUUID()}@example.com`;
    await a
      .http()
      .post(`/companies/${owner.company!.id}/invitations`)
      .set(...bearer(owner))
      .send({ email: invitee })
      .expect(201);
    await sink.waitFor(() => sink.find(EmailEvent.CompanyInvitation, invitee).length > 0);

    const queue = worker.get<Queue>(getQueueToken(QueueName.Email));
    expect(await queue.getFailedCount()).toBe(0);
    const bull = (await stack.keys()).filter((k) => k.startsWith(`${stack.prefix}{bull}:`));
    expect(bull.length).toBeGreaterThan(3);
    expect(new Set(await Promise.all(bull.map(slot))).size).toBe(1);
  });

  it('takes a lock on several keys at once (one slot) and excludes a holder on another instance', async () => {
    const [first, second] = [`cluster:${randomUUID()}`, `cluster:${randomUUID()}`];
    const log: string[] = [];
    const acquired = deferred();
    const retriesBefore = await counterValue(b.app, 'parcsal_lock_contention_retries_total');
    const holder = a.app.get(LockService).withLock([first, second], 1000, async () => {
      log.push('a in');
      acquired.fire();
      const stored = await redis.get(`${stack.prefix}{lock}:${second}`);
      expect(stored).toEqual(expect.any(String));
      // Held until b has been refused at least once: b really waited for a.
      await waiterQueued(b.app, retriesBefore);
      log.push('a out');
    });
    await acquired.promise;
    await b.app.get(LockService).withLock([second], 1000, async () => log.push('b in'));
    await holder;
    expect(log).toEqual(['a in', 'a out', 'b in']);
  });

  it('delivers chat across instances over sharded pub/sub, channels under the key prefix', async () => {
    const [customer, company] = await Promise.all([registerCustomer(a), registerCompany(a)]);
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
    const ack = await emitWithAck(onA, 'chat:send', { bookingId, text: 'hello' });
    expect(ack).toMatchObject({ ok: true });
    expect((await received).text).toBe('hello');

    const shardChannels = (
      await Promise.all(
        redis
          .nodes('master')
          .map((node) => node.call('PUBSUB', 'SHARDCHANNELS') as Promise<string[]>),
      )
    ).flat();
    expect(shardChannels).toContain(`${stack.prefix}socket.io#/#`);
    expect(shardChannels).toContain(`${stack.prefix}socket.io#/#chat:${bookingId}#`);
    expect(shardChannels.filter((c) => c.startsWith('socket.io'))).toEqual([]);
    // Nothing on classic pub/sub, which a Cluster broadcasts to every node.
    const classic = await Promise.all(
      redis.nodes('master').map((node) => node.pubsub('CHANNELS', `${stack.prefix}*`)),
    );
    expect(classic.flat()).toEqual([]);
  });

  it('caches on the Cluster: a MISS on A, then a HIT on B; a write makes the next read fresh', async () => {
    const owner = await registerCompany(a);
    const id = owner.company!.id;
    const get = (api: ApiInstance) => api.http().get(`/companies/${id}`).expect(200);
    expect((await get(a)).headers['x-cache']).toBe('MISS');
    expect((await get(b)).headers['x-cache']).toBe('HIT');
    await b
      .http()
      .patch(`/companies/${id}`)
      .set(...bearer(owner))
      .send({ name: 'Renamed On Cluster' })
      .expect(200);
    expect((await get(a)).body.name).toBe('Renamed On Cluster');
    const entries = (await stack.keys()).filter((k) => k.startsWith(`${stack.prefix}cache:`));
    expect(entries.length).toBeGreaterThan(0);
  });

  it('revokes on A a session used on B (logout), through the Cluster', async () => {
    const customer = await registerCustomer(a);
    const second = (
      await b
        .http()
        .post('/auth/login')
        .send({ email: customer.user.email, password: PASSWORD })
        .expect(200)
    ).body as { accessToken: string };
    await b
      .http()
      .post('/auth/logout')
      .set(...bearer(second))
      .expect(204);
    await a
      .http()
      .get('/users/me')
      .set(...bearer(second))
      .expect(401);
    await a
      .http()
      .get('/users/me')
      .set(...bearer(customer))
      .expect(200);
  });
});
