import { UserFactsStore } from '../src/auth/user-facts.store';
import { UserRecords, UserRow } from '../src/auth/user-records';
import {
  ADMIN_ENV,
  bearer,
  loginAdmin,
  PASSWORD,
  registerCompany,
  registerCustomer,
  SignedIn,
} from './support/fixtures';
import { ApiInstance, TestStack } from './support/test-stack';

/**
 * The signed-in user's role and company come from Redis (the user's facts record), not from a
 * database read per request. Every change of them is visible to every session of the user, on
 * every API instance, in the very next request.
 */
describe("signed-in user's facts", () => {
  let stack: TestStack;
  let a: ApiInstance;
  let b: ApiInstance;
  let owner: SignedIn;

  beforeAll(async () => {
    stack = await TestStack.create(ADMIN_ENV);
    [a, b] = await Promise.all([stack.startApi(), stack.startApi()]);
    owner = await registerCompany(a);
  });
  afterAll(() => stack.close());

  function factsKey(userId: string): string {
    return a.app.get(UserFactsStore).key(userId);
  }

  async function login(api: ApiInstance, email: string): Promise<SignedIn> {
    const res = await api
      .http()
      .post('/auth/login')
      .send({ email, password: PASSWORD })
      .expect(200);
    return { ...res.body, password: PASSWORD };
  }

  async function invite(email: string): Promise<string> {
    await a
      .http()
      .post(`/companies/${owner.company!.id}/invitations`)
      .set(...bearer(owner))
      .send({ email })
      .expect(201);
    const [row] = await stack.sql<{ payload: { token: string } }>(
      `SELECT payload FROM email_outbox WHERE event = 'company.invitation' AND "to" = $1
       ORDER BY created_at DESC LIMIT 1`,
      [email],
    );
    return row.payload.token;
  }

  async function accept(api: ApiInstance, by: SignedIn, token: string): Promise<void> {
    await api
      .http()
      .post('/companies/invitations/accept')
      .set(...bearer(by))
      .send({ token })
      .expect(200);
  }

  async function me(api: ApiInstance, by: SignedIn) {
    return (
      await api
        .http()
        .get('/users/me')
        .set(...bearer(by))
        .expect(200)
    ).body as { role: string; companyId: string | null; companyRole: string | null };
  }

  async function publishShipment(api: ApiInstance, by: SignedIn) {
    return api
      .http()
      .post('/shipments')
      .set(...bearer(by))
      .send({
        origin: 'Lyon',
        destination: 'Berlin',
        departureAt: '2031-03-01T08:00:00.000Z',
        capacityKg: 100,
        pricePerKgCents: 250,
        mode: 'ROAD',
      });
  }

  it('an invitation accepted on A makes every old token of the user a MEMBER on B at once', async () => {
    const first = await registerCustomer(a);
    const second = await login(b, first.user.email);
    // Both sessions signed in as a customer on B, the profile cached there.
    for (const session of [first, second]) {
      expect(await me(b, session)).toMatchObject({ role: 'CUSTOMER', companyId: null });
    }
    expect((await publishShipment(b, second)).status).toBe(403);

    await accept(a, first, await invite(first.user.email));

    for (const session of [first, second]) {
      expect(await me(b, session)).toMatchObject({
        role: 'COMPANY',
        companyId: owner.company!.id,
        companyRole: 'MEMBER',
      });
    }
    // A company-only route, with the token issued while the user was a customer.
    const shipment = await publishShipment(b, second);
    expect(shipment.status).toBe(201);
    expect(shipment.body.companyId).toBe(owner.company!.id);
    // Invitations are for users without a company: the old token is refused as a member now.
    const again = await b
      .http()
      .post('/companies/invitations/accept')
      .set(...bearer(first))
      .send({ token: await invite(first.user.email) })
      .expect(409);
    expect(again.body.message).toBe('You are already a member of a company');
  });

  it('a sign-in or read that took the old facts before the change never overwrites it', async () => {
    const customer = await registerCustomer(a);
    const stale = (await a.app.get(UserRecords).findById(customer.user.id)) as UserRow;
    await accept(a, customer, await invite(customer.user.email));
    // What a concurrent sign-in or guard fallback that read the row before the commit writes.
    await b.app.get(UserFactsStore).fill(stale);
    expect(await me(b, customer)).toMatchObject({ role: 'COMPANY', companyRole: 'MEMBER' });
  });

  it('a session without a facts record (from before them) reads the user once and fills it', async () => {
    const customer = await registerCompany(a);
    const redis = stack.redis();
    expect(await redis.exists(factsKey(customer.user.id))).toBe(1);
    await redis.del(factsKey(customer.user.id));

    expect(await me(b, customer)).toMatchObject({
      role: 'COMPANY',
      companyId: customer.company!.id,
      companyRole: 'OWNER',
    });
    expect(await redis.exists(factsKey(customer.user.id))).toBe(1);
    const ttl = await redis.ttl(factsKey(customer.user.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(a.config.jwt.accessTtlSeconds);
  });

  it('a signed-in request with a facts record reads no user from the database', async () => {
    const customer = await registerCustomer(a);
    const users = b.app.get(UserRecords);
    const findById = jest.spyOn(users, 'findById');
    try {
      await b
        .http()
        .get('/auth/sessions')
        .set(...bearer(customer))
        .expect(200);
      expect(await me(b, customer)).toMatchObject({ role: 'CUSTOMER' });
      expect(findById).not.toHaveBeenCalled();
    } finally {
      findById.mockRestore();
    }
  });

  it('force-logout on A: the old token is 401 on B at once, the next sign-in reads the user afresh', async () => {
    const admin = await loginAdmin(a);
    const customer = await registerCustomer(a);
    await me(b, customer);
    await a
      .http()
      .post(`/admin/users/${customer.user.id}/force-logout`)
      .set(...bearer(admin))
      .expect(204);
    await b
      .http()
      .get('/users/me')
      .set(...bearer(customer))
      .expect(401);
    expect(await stack.redis().exists(factsKey(customer.user.id))).toBe(0);
    const again = await login(b, customer.user.email);
    expect(await me(a, again)).toMatchObject({ role: 'CUSTOMER' });
  });
});
