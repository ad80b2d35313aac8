import { JwtService } from '@nestjs/jwt';
import {
  ADMIN_ENV,
  bearer,
  loginAdmin,
  PASSWORD,
  registerCompany,
  registerCustomer,
  SignedIn,
  uniqueEmail,
} from '../support/fixtures';
import { ApiInstance, TestStack } from '../support/test-stack';

type Method = 'get' | 'post' | 'patch' | 'delete';

/**
 * Abuse that must fail closed: foreign resources (IDOR) on every :id route, admin routes as
 * every other role, forged tokens, brute force across IPs, spoofed X-Forwarded-For, and cache
 * poisoning. A refusal never carries the other party's data.
 */
describe('resilience: security', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let alice: SignedIn; // customer who owns the booking
  let mallory: SignedIn; // another customer
  let carrier: SignedIn; // company that owns the shipment
  let rival: SignedIn; // another company
  let admin: SignedIn;
  let shipmentId: string;
  let bookingId: string;

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    api = await stack.startApi();
    [alice, mallory, carrier, rival] = await Promise.all([
      registerCustomer(api),
      registerCustomer(api),
      registerCompany(api),
      registerCompany(api),
    ]);
    admin = await loginAdmin(api);
    const shipment = await api
      .http()
      .post('/shipments')
      .set(...bearer(carrier))
      .send({
        origin: 'Lyon',
        destination: 'Milan',
        departureAt: new Date(Date.now() + 86400_000).toISOString(),
        capacityKg: 100,
        pricePerKgCents: 250,
        mode: 'ROAD',
      })
      .expect(201);
    shipmentId = shipment.body.id;
    const booking = await api
      .http()
      .post('/bookings')
      .set(...bearer(alice))
      .send({ shipmentId, weightKg: 5 })
      .expect(201);
    bookingId = booking.body.id;
  });
  afterAll(() => stack.close());

  const call = (method: Method, url: string, who: SignedIn | null, body?: object) => {
    const req = api.http()[method](url).set('Idempotency-Key', 'security-test-key');
    if (who) req.set(...bearer(who));
    return body ? req.send(body) : req;
  };

  function expectRefusedWithoutData(
    res: { status: number; body: unknown; text: string },
    secret: string,
  ): void {
    expect([401, 403, 404]).toContain(res.status);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: res.status, error: expect.any(String) }),
    );
    expect(res.text).not.toContain(secret);
  }

  it('a customer cannot see or act on another customer’s booking', async () => {
    for (const [method, url, body] of [
      ['get', `/bookings/${bookingId}`],
      ['post', `/bookings/${bookingId}/cancel`],
      ['post', `/bookings/${bookingId}/pay`],
      ['get', `/chat/conversations/${bookingId}/messages`],
    ] as [Method, string, object?][]) {
      expectRefusedWithoutData(await call(method, url, mallory, body), bookingId);
    }
    const list = await call('get', '/bookings', mallory).expect(200);
    expect(list.text).not.toContain(bookingId);
  });

  it('another company cannot see or act on the carrier’s booking or shipment', async () => {
    for (const [method, url, body] of [
      ['get', `/bookings/${bookingId}`],
      ['post', `/bookings/${bookingId}/accept`],
      ['post', `/bookings/${bookingId}/reject`],
      ['post', `/bookings/${bookingId}/deliver`],
      ['post', `/bookings/${bookingId}/cancel`],
      ['get', `/chat/conversations/${bookingId}/messages`],
      ['patch', `/shipments/${shipmentId}`, { capacityKg: 1000 }],
      ['patch', `/companies/${carrier.company!.id}`, { name: 'Hijacked' }],
      ['post', `/companies/${carrier.company!.id}/invitations`, { email: uniqueEmail() }],
    ] as [Method, string, object?][]) {
      const res = await call(method, url, rival, body);
      expect([403, 404]).toContain(res.status);
      expect(res.text).not.toContain(alice.user.email);
    }
    const booking = await call('get', `/bookings/${bookingId}`, alice).expect(200);
    expect(booking.body.status).toBe('PENDING');
    const shipment = await call('get', `/shipments/${shipmentId}`, null).expect(200);
    expect(shipment.body.capacityKg).toBe(100);
  });

  it('customers cannot act as a company, nor review a booking that is not theirs', async () => {
    await call('post', '/shipments', alice, {
      origin: 'A',
      destination: 'B',
      departureAt: new Date().toISOString(),
      capacityKg: 1,
      pricePerKgCents: 1,
      mode: 'AIR',
    }).expect(403);
    await call('post', `/bookings/${bookingId}/accept`, alice).expect((res) =>
      expect([403, 404]).toContain(res.status),
    );
    const review = await call('post', `/companies/${carrier.company!.id}/reviews`, mallory, {
      bookingId,
      rating: 1,
    });
    expect([403, 404]).toContain(review.status);
  });

  it('every admin route refuses every other role and anonymous callers', async () => {
    const routes: [Method, string, object?][] = [
      ['get', '/admin/dashboard/summary'],
      ['get', '/admin/dashboard/stats?days=7'],
      ['post', '/admin/campaigns', { name: 'x', subject: 'x', html: '<p>x</p>', audience: 'ALL' }],
      ['get', '/admin/campaigns/00000000-0000-4000-8000-000000000000'],
      ['post', `/admin/users/${alice.user.id}/force-logout`],
    ];
    for (const [method, url, body] of routes) {
      for (const who of [alice, carrier])
        expect((await call(method, url, who, body)).status).toBe(403);
      expect((await call(method, url, null, body)).status).toBe(401);
    }
    const queues = await api
      .http()
      .get('/admin/queues')
      .set(...bearer(alice));
    expect([401, 403]).toContain(queues.status);
    await call('get', `/bookings/${bookingId}`, alice).expect(200);
  });

  it('forged, unsigned, expired, not-yet-valid and wrong-type tokens are 401', async () => {
    const claims = JSON.parse(Buffer.from(alice.accessToken.split('.')[1], 'base64url').toString());
    const { iat: _iat, exp: _exp, nbf: _nbf, ...payload } = claims;
    const now = Math.floor(Date.now() / 1000);
    const jwt = new JwtService();
    const tokens = [
      jwt.sign(payload, { secret: 'guessed-secret' }),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
      jwt.sign({ ...payload, exp: now - 1 }, { secret: api.config.jwt.accessSecret }),
      jwt.sign(
        { ...payload, nbf: now + 3600, exp: now + 7200 },
        { secret: api.config.jwt.accessSecret },
      ),
      jwt.sign({ ...payload, role: 'ADMIN' }, { secret: api.config.jwt.refreshSecret }),
      alice.refreshToken,
      jwt.sign({ ...payload, iss: 'someone-else' }, { secret: api.config.jwt.accessSecret }),
      jwt.sign({ ...payload }, { secret: api.config.jwt.accessSecret, algorithm: 'HS512' }),
    ];
    for (const token of tokens) {
      const res = await api.http().get('/users/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
    }
  });

  it('cache poisoning: a cached response never reaches someone who could not get it uncached', async () => {
    await api
      .http()
      .get('/admin/dashboard/summary')
      .set(...bearer(admin))
      .expect(200);
    for (const headers of [
      {},
      { 'X-Forwarded-Host': 'evil' },
      { 'X-Original-URL': '/health' },
      { Accept: '*/*' },
    ]) {
      const res = await api
        .http()
        .get('/admin/dashboard/summary')
        .set(...bearer(alice))
        .set(headers);
      expect(res.status).toBe(403);
    }
    const mine = await api
      .http()
      .get('/users/me?id=' + alice.user.id)
      .set(...bearer(mallory))
      .expect(200);
    expect(mine.body.id).toBe(mallory.user.id);
    const aliceMe = await api
      .http()
      .get('/users/me')
      .set(...bearer(alice))
      .expect(200);
    expect(aliceMe.body.id).toBe(alice.user.id);
  });

  describe('with rate limits on', () => {
    let limited: TestStack;
    let limitedApi: ApiInstance;
    beforeAll(async () => {
      limited = await TestStack.create();
      limitedApi = await limited.startApi({
        THROTTLE_ENABLED: 'true',
        TRUST_PROXY: '1',
        THROTTLE_LOGIN_EMAIL: '3/600',
        THROTTLE_LOGIN: '50/600',
      });
    });
    afterAll(() => limited.close());

    it('brute force on one account from many IPs is stopped, and the real password is refused too', async () => {
      const victim = await registerCustomer(limitedApi);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await limitedApi
          .http()
          .post('/auth/login')
          .set('X-Forwarded-For', `203.0.113.${i + 1}`)
          .send({ email: victim.user.email, password: `guess-${i}` });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      const real = await limitedApi
        .http()
        .post('/auth/login')
        .set('X-Forwarded-For', '198.51.100.7')
        .send({ email: victim.user.email, password: PASSWORD });
      expect(real.status).toBe(429);
      expect(Number(real.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
