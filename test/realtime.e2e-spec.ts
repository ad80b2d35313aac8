import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NotificationsService } from '../src/notifications/notifications.service';
import { RedisService } from '../src/redis';
import { ChatCast, chatCast, insertBooking } from './support/chat-fixtures';
import { bearer, PASSWORD, registerCustomer } from './support/fixtures';
import {
  emitUntyped,
  emitWithAck,
  NEVER_HANGS_MS,
  nextDisconnect,
  nextEvent,
  recordEvents,
  roundTrip,
  sentMessage,
  SocketClients,
} from './support/socket-client';
import { ApiInstance, TestStack } from './support/test-stack';

const login = async (api: ApiInstance, email: string, userAgent: string) =>
  (
    await api
      .http()
      .post('/auth/login')
      .set('User-Agent', userAgent)
      .send({ email, password: PASSWORD })
      .expect(200)
  ).body as { accessToken: string };

describe('realtime across two API instances and a worker', () => {
  let stack: TestStack;
  let a: ApiInstance;
  let b: ApiInstance;
  let worker: INestApplicationContext;
  let cast: ChatCast;
  const clients = new SocketClients();

  // A "never hangs" bound: three Nest apps and five password hashes, on a loaded CI machine
  // running the Cluster suites two at a time, took longer than jest's default 30 s.
  beforeAll(async () => {
    stack = await TestStack.create();
    [a, b, worker] = await Promise.all([stack.startApi(), stack.startApi(), stack.startWorker()]);
    cast = await chatCast(stack, a);
  }, 60_000);
  afterEach(() => clients.closeAll());
  afterAll(() => stack.close());

  describe('handshake', () => {
    it('refuses a missing, garbage, or non-string token with connect_error "unauthorized"', async () => {
      expect(await clients.connectError(a.url)).toBe('unauthorized');
      expect(await clients.connectError(a.url, { token: 'garbage.token.here' })).toBe(
        'unauthorized',
      );
      expect(await clients.connectError(b.url, { token: 42 })).toBe('unauthorized');
      // A refresh token is not an access token.
      expect(await clients.connectError(b.url, { token: cast.customer.refreshToken })).toBe(
        'unauthorized',
      );
    });

    it('refuses a token revoked by logout, on both instances', async () => {
      const user = await registerCustomer(a);
      const socket = await clients.connect(b.url, user.accessToken);
      expect(socket.connected).toBe(true);
      await a
        .http()
        .post('/auth/logout')
        .set(...bearer(user))
        .expect(204);
      expect(await clients.connectError(a.url, { token: user.accessToken })).toBe('unauthorized');
      expect(await clients.connectError(b.url, { token: user.accessToken })).toBe('unauthorized');
    });
  });

  describe('chat', () => {
    it('delivers a message sent on A to participants who joined on B, and to no one else', async () => {
      const { bookingId } = cast;
      const [customerOnA, ownerOnB, memberOnB, outsiderOnB, ownerNotJoinedOnA] = await Promise.all([
        clients.connect(a.url, cast.customer.accessToken),
        clients.connect(b.url, cast.owner.accessToken),
        clients.connect(b.url, cast.member.accessToken),
        clients.connect(b.url, cast.outsider.accessToken),
        clients.connect(a.url, cast.owner.accessToken),
      ]);
      for (const socket of [customerOnA, ownerOnB, memberOnB]) {
        expect(await emitWithAck(socket, 'chat:join', { bookingId })).toEqual({ ok: true });
      }
      const outsiderJoin = await emitWithAck(outsiderOnB, 'chat:join', { bookingId });
      expect(outsiderJoin).toEqual({ ok: false, error: 'forbidden' });
      const outsiderGot = recordEvents(outsiderOnB, 'chat:message');
      const notJoinedGot = recordEvents(ownerNotJoinedOnA, 'chat:message');

      const atOwner = nextEvent(ownerOnB, 'chat:message');
      const atMember = nextEvent(memberOnB, 'chat:message');
      const atSender = nextEvent(customerOnA, 'chat:message');
      const ack = await emitWithAck(customerOnA, 'chat:send', {
        bookingId,
        text: '  Can you pick up at 9?  ',
      });

      expect(ack).toEqual({
        ok: true,
        message: {
          id: expect.any(String),
          bookingId,
          senderId: cast.customer.user.id,
          text: 'Can you pick up at 9?',
          createdAt: expect.any(String),
        },
      });
      const message = sentMessage(ack);
      expect(await atOwner).toEqual(message);
      expect(await atMember).toEqual(message);
      expect(await atSender).toEqual(message);

      // The outsider cannot send either, and nothing of theirs is stored.
      expect(await emitWithAck(outsiderOnB, 'chat:send', { bookingId, text: 'let me in' })).toEqual(
        { ok: false, error: 'forbidden' },
      );

      // The reply from B reaches the customer on A; history has both, oldest first.
      const atCustomer = nextEvent(customerOnA, 'chat:message');
      const reply = sentMessage(
        await emitWithAck(ownerOnB, 'chat:send', { bookingId, text: 'Yes, 9 sharp.' }),
      );
      expect(await atCustomer).toEqual(reply);
      const history = await b
        .http()
        .get(`/chat/conversations/${bookingId}/messages`)
        .set(...bearer(cast.member))
        .expect(200);
      expect(history.body.items.slice(-2)).toEqual([message, reply]);

      // Both instances have handled both messages (the reply came after the first on the same
      // channel, and was delivered on A): whatever they sent the two non-joined sockets precedes
      // the answer to a request sent now on their own connections.
      await Promise.all([roundTrip(outsiderOnB), roundTrip(ownerNotJoinedOnA)]);
      expect(outsiderGot).toEqual([]);
      expect(notJoinedGot).toEqual([]);
    });

    it('refuses a join for a booking that does not exist', async () => {
      const socket = await clients.connect(a.url, cast.customer.accessToken);
      expect(await emitWithAck(socket, 'chat:join', { bookingId: randomUUID() })).toEqual({
        ok: false,
        error: 'not_found',
      });
      expect(await emitWithAck(socket, 'chat:join', { bookingId: 'nope' })).toEqual({
        ok: false,
        error: 'not_found',
      });
    });

    it('acks invalid_text for empty or over-long texts and stores nothing', async () => {
      const { bookingId } = cast;
      const socket = await clients.connect(a.url, cast.customer.accessToken);
      const count = async () =>
        Number(
          (
            await stack.sql<{ n: string }>(
              'SELECT count(*) AS n FROM chat_messages WHERE booking_id = $1',
              [bookingId],
            )
          )[0].n,
        );
      const before = await count();
      for (const text of ['', '    ', 'x'.repeat(2001)]) {
        expect(await emitWithAck(socket, 'chat:send', { bookingId, text })).toEqual({
          ok: false,
          error: 'invalid_text',
        });
      }
      expect(await count()).toBe(before);
      const longest = await emitWithAck(socket, 'chat:send', { bookingId, text: 'y'.repeat(2000) });
      expect(longest.ok).toBe(true);
      expect(await count()).toBe(before + 1);
    });

    it('survives malformed payloads and missing ack callbacks', async () => {
      const { bookingId } = cast;
      const socket = await clients.connect(b.url, cast.customer.accessToken);
      for (const payload of [undefined, null, 'text', 42, [bookingId], { bookingId: 7 }, {}]) {
        expect(await emitUntyped(socket, 'chat:join', payload)).toEqual({
          ok: false,
          error: 'invalid_payload',
        });
        expect(await emitUntyped(socket, 'chat:send', payload)).toEqual({
          ok: false,
          error: 'invalid_payload',
        });
      }
      expect(
        await emitUntyped(socket, 'chat:send', { bookingId, text: ['not', 'a', 'string'] }),
      ).toEqual({ ok: false, error: 'invalid_payload' });
      // No ack callback, extra arguments, unknown events: ignored, the connection stays usable.
      const raw = socket as unknown as { emit(event: string, ...args: unknown[]): void };
      raw.emit('chat:join', { bookingId });
      raw.emit('chat:send');
      raw.emit('chat:send', { bookingId }, 'extra', 'args');
      raw.emit('no-such-event', { x: 1 });
      expect(await emitWithAck(socket, 'chat:join', { bookingId })).toEqual({ ok: true });
      expect(socket.connected).toBe(true);
      await b.http().get('/health').expect(200);
    });
  });

  describe('notifications', () => {
    it('reaches the user on B when created through A, and only that user', async () => {
      const [customerOnB, otherOnB] = await Promise.all([
        clients.connect(b.url, cast.customer.accessToken),
        clients.connect(b.url, cast.otherCustomer.accessToken),
      ]);
      const otherGot = recordEvents(otherOnB, 'notification');
      const received = nextEvent(customerOnB, 'notification');
      const [row] = await a.app.get(NotificationsService).notify([
        {
          userId: cast.customer.user.id,
          type: 'booking.confirmed',
          title: 'Booking confirmed',
          body: 'Your booking was accepted.',
          data: { bookingId: cast.bookingId },
        },
      ]);
      expect(await received).toEqual({
        id: row.id,
        type: 'booking.confirmed',
        title: 'Booking confirmed',
        body: 'Your booking was accepted.',
        data: { bookingId: cast.bookingId },
        readAt: null,
        createdAt: row.createdAt.toISOString(),
      });
      // B delivered it (to the customer): anything it sent the other user came before the
      // answer to a request sent now on that user's connection.
      await roundTrip(otherOnB);
      expect(otherGot).toEqual([]);
    });

    it('tells the customer on B that their booking was accepted through A', async () => {
      const owner = cast.owner;
      const customer = await registerCustomer(a);
      const shipment = await a
        .http()
        .post('/shipments')
        .set(...bearer(owner))
        .send({
          origin: 'Porto',
          destination: 'Madrid',
          departureAt: new Date(Date.now() + 86_400_000).toISOString(),
          capacityKg: 100,
          pricePerKgCents: 300,
          mode: 'ROAD',
        })
        .expect(201);
      const booking = await a
        .http()
        .post('/bookings')
        .set(...bearer(customer))
        .send({ shipmentId: shipment.body.id, weightKg: 5 })
        .expect(201);
      const socket = await clients.connect(b.url, customer.accessToken);
      const received = nextEvent(socket, 'notification');
      await a
        .http()
        .post(`/bookings/${booking.body.id}/accept`)
        .set(...bearer(owner))
        .expect(200);
      expect(await received).toMatchObject({ type: 'booking.confirmed', readAt: null });
    });

    it('delivers the new-device alert of a login on A to the socket on B', async () => {
      const user = await registerCustomer(a);
      const socket = await clients.connect(b.url, user.accessToken);
      const received = nextEvent(socket, 'notification');
      await login(a, user.user.email, 'Mozilla/5.0 (NewPhone; realtime test)');
      expect(await received).toMatchObject({ type: 'security.new_device', readAt: null });
    });

    it('delivers a notification created by the worker to sockets on both instances', async () => {
      const user = await registerCustomer(a);
      const second = await login(a, user.user.email, 'node-superagent/test second tab');
      const [onA, onB] = await Promise.all([
        clients.connect(a.url, user.accessToken),
        clients.connect(b.url, second.accessToken),
      ]);
      const atA = nextEvent(onA, 'notification');
      const atB = nextEvent(onB, 'notification');
      const [row] = await worker
        .get(NotificationsService)
        .notify([{ userId: user.user.id, type: 'email.failed', title: 'Email failed', body: 'x' }]);
      expect((await atA).id).toBe(row.id);
      expect((await atB).id).toBe(row.id);
    });
  });

  describe('revocation', () => {
    it('logout on A disconnects that session on B and leaves the other session connected', async () => {
      const user = await registerCustomer(a);
      const other = await login(a, user.user.email, 'other-device');
      const [sessionOnB, sessionOnA, otherSessionOnB] = await Promise.all([
        clients.connect(b.url, user.accessToken),
        clients.connect(a.url, user.accessToken),
        clients.connect(b.url, other.accessToken),
      ]);
      const droppedB = nextDisconnect(sessionOnB);
      const droppedA = nextDisconnect(sessionOnA);
      await a
        .http()
        .post('/auth/logout')
        .set(...bearer(user))
        .expect(204);
      expect(await droppedB).toBe('io server disconnect');
      expect(await droppedA).toBe('io server disconnect');
      // B has dropped its socket of that session: a disconnect of the other session's socket
      // would reach it before the answer to a request sent now (which then never comes).
      await roundTrip(otherSessionOnB);
      expect(otherSessionOnB.connected).toBe(true);
    });

    it('deleting a session through B disconnects its socket on A', async () => {
      const user = await registerCustomer(a);
      const other = await login(a, user.user.email, 'doomed-device');
      const doomed = await clients.connect(a.url, other.accessToken);
      const sessions = await b
        .http()
        .get('/auth/sessions')
        .set(...bearer(user))
        .expect(200);
      const target = (sessions.body as { id: string; current: boolean }[]).find((s) => !s.current)!;
      const dropped = nextDisconnect(doomed);
      await b
        .http()
        .delete(`/auth/sessions/${target.id}`)
        .set(...bearer(user))
        .expect(204);
      expect(await dropped).toBe('io server disconnect');
    });

    it('logout-all disconnects every socket of the user on every instance', async () => {
      const user = await registerCustomer(a);
      const other = await login(b, user.user.email, 'yet-another-device');
      const bystander = await clients.connect(a.url, cast.otherCustomer.accessToken);
      const sockets = await Promise.all([
        clients.connect(a.url, user.accessToken),
        clients.connect(b.url, user.accessToken),
        clients.connect(a.url, other.accessToken),
        clients.connect(b.url, other.accessToken),
      ]);
      const dropped = sockets.map((s) => nextDisconnect(s));
      await b
        .http()
        .post('/auth/logout-all')
        .set(...bearer(user))
        .expect(204);
      expect(await Promise.all(dropped)).toEqual(Array(4).fill('io server disconnect'));
      expect(bystander.connected).toBe(true);
      expect(await clients.connectError(a.url, { token: other.accessToken })).toBe('unauthorized');
    });
  });

  describe('right after connect', () => {
    // Each round uses a new user and booking, so every room is new on A and its Redis
    // subscription (one channel per room on the sharded adapter) starts with this connection.
    const ROUNDS = 30;

    it(`delivers a notification, a chat message and a revocation sent the moment the client connected (${ROUNDS} rounds)`, async () => {
      const ownerOnB = await clients.connect(b.url, cast.owner.accessToken);
      for (let round = 0; round < ROUNDS; round++) {
        const customer = await registerCustomer(a);
        const bookingId = await insertBooking(stack, cast.companyId, customer.user.id);

        const socket = await clients.connect(a.url, customer.accessToken);
        const notified = nextEvent(socket, 'notification');
        const [row] = await b.app.get(NotificationsService).notify([
          {
            userId: customer.user.id,
            type: 'booking.confirmed',
            title: `Round ${round}`,
            body: '',
          },
        ]);
        expect((await notified).id).toBe(row.id);

        expect(await emitWithAck(socket, 'chat:join', { bookingId })).toEqual({ ok: true });
        const chatted = nextEvent(socket, 'chat:message');
        const sent = await emitWithAck(ownerOnB, 'chat:send', { bookingId, text: `#${round}` });
        expect((await chatted).id).toBe(sentMessage(sent).id);

        const onB = await clients.connect(b.url, customer.accessToken);
        const dropped = [nextDisconnect(socket), nextDisconnect(onB)];
        await a
          .http()
          .post('/auth/logout')
          .set(...bearer(customer))
          .expect(204);
        expect(await Promise.all(dropped)).toEqual([
          'io server disconnect',
          'io server disconnect',
        ]);
      }
    }, 120_000);
  });

  it('refuses handshakes with "unavailable" while Redis is unreachable, and closes with sockets open', async () => {
    const c = await stack.startApi();
    const live = await clients.connect(c.url, cast.customer.accessToken);
    const redis = c.app.get(RedisService).client;
    // ioredis reports "ready" until the socket has actually closed: only after "end" is the
    // client down for good, and only then can connect() bring it back (called earlier, it
    // rejects as "already connected" and the client then stays closed: the old flake).
    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect();
    await ended;
    try {
      expect(await clients.connectError(c.url, { token: cast.customer.accessToken })).toBe(
        'unavailable',
      );
    } finally {
      await redis.connect();
    }
    // Handshakes work again at once now that Redis answers.
    await clients.connect(c.url, cast.customer.accessToken);

    const dropped = nextDisconnect(live);
    const started = Date.now();
    await stack.stop(c.app);
    // A "never hangs" bound: closing does not wait for the open sockets to go.
    expect(Date.now() - started).toBeLessThan(NEVER_HANGS_MS);
    expect(await dropped).toBe('transport close');
  });

  it('drops a socket when its access token expires', async () => {
    const shortLived = await stack.startApi({ JWT_ACCESS_TTL: '2s' });
    try {
      const user = await registerCustomer(shortLived);
      const socket = await clients.connect(a.url, user.accessToken);
      // The token lives 2 s; the bound only says the socket is dropped rather than kept.
      expect(await nextDisconnect(socket, NEVER_HANGS_MS)).toBe('io server disconnect');
      expect(await clients.connectError(a.url, { token: user.accessToken })).toBe('unauthorized');
    } finally {
      await stack.stop(shortLived.app);
    }
  });

  it("keeps Socket.IO's Redis channels under the stack's key prefix", async () => {
    const channels = (await stack
      .redis()
      .pubsub('CHANNELS', `${stack.prefix}socket.io*`)) as string[];
    expect(channels).toContain(`${stack.prefix}socket.io-request#/#`);
    const unprefixed = (await stack.redis().pubsub('CHANNELS', 'socket.io*')) as string[];
    expect(unprefixed).toEqual([]);
  });

  it('exposes socket metrics', async () => {
    const socket = await clients.connect(a.url, cast.customer.accessToken);
    await emitWithAck(socket, 'chat:join', { bookingId: cast.bookingId });
    const res = await a.http().get('/metrics').expect(200);
    expect(res.text).toMatch(/^parcsal_socket_connections [1-9]/m);
    expect(res.text).toMatch(
      /^parcsal_socket_messages_total\{direction="in",event="chat:join"\} [1-9]/m,
    );
  });
});

describe('realtime chat rate limit (THROTTLE_CHAT=3/10, two instances)', () => {
  let stack: TestStack;
  let a: ApiInstance;
  let b: ApiInstance;
  const clients = new SocketClients();

  beforeAll(async () => {
    stack = await TestStack.create({
      THROTTLE_ENABLED: 'true',
      THROTTLE_CHAT: '3/10',
      // Only CHAT is under test: the fixtures register several users from one IP.
      THROTTLE_REGISTER: '1000/60',
      THROTTLE_GLOBAL: '1000/60',
    });
    [a, b] = await Promise.all([stack.startApi(), stack.startApi()]);
  });
  afterAll(async () => {
    clients.closeAll();
    await stack.close();
  });

  it('acks rate_limited once the user sent 3 messages, counted across instances', async () => {
    const cast = await chatCast(stack, a);
    const { bookingId } = cast;
    const [onA, onB, ownerOnA] = await Promise.all([
      clients.connect(a.url, cast.customer.accessToken),
      clients.connect(b.url, cast.customer.accessToken),
      clients.connect(a.url, cast.owner.accessToken),
    ]);
    const send = (socket: typeof onA, text: string) =>
      emitWithAck(socket, 'chat:send', { bookingId, text });

    expect((await send(onA, 'one')).ok).toBe(true);
    expect((await send(onB, 'two')).ok).toBe(true);
    expect((await send(onA, 'three')).ok).toBe(true);
    expect(await send(onB, 'four')).toEqual({ ok: false, error: 'rate_limited' });
    expect(await send(onA, 'five')).toEqual({ ok: false, error: 'rate_limited' });
    // The limit is per user: the company side can still answer.
    expect((await send(ownerOnA, 'reply')).ok).toBe(true);

    const history = await a
      .http()
      .get(`/chat/conversations/${bookingId}/messages`)
      .set(...bearer(cast.customer))
      .expect(200);
    expect(history.body.items.map((m: { text: string }) => m.text)).toEqual([
      'one',
      'two',
      'three',
      'reply',
    ]);
  });
});
