import { randomBytes } from 'node:crypto';
import type { ApiInstance, TestStack } from './test-stack';

export interface SignedIn {
  user: {
    id: string;
    email: string;
    role: string;
    companyId: string | null;
    companyRole: string | null;
  };
  accessToken: string;
  refreshToken: string;
  company?: { id: string; slug: string; name: string };
  password: string;
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}.${randomBytes(5).toString('hex')}@example.com`;
}

export const PASSWORD = 'correct horse battery';

export async function registerCustomer(
  api: ApiInstance,
  overrides: Partial<{ email: string; name: string }> = {},
): Promise<SignedIn> {
  const res = await api
    .http()
    .post('/auth/register-customer')
    .send({
      email: uniqueEmail('customer'),
      password: PASSWORD,
      name: 'Casey Customer',
      ...overrides,
    })
    .expect(201);
  return { ...res.body, password: PASSWORD };
}

export async function registerCompany(
  api: ApiInstance,
  overrides: Partial<{ email: string; name: string; companyName: string }> = {},
): Promise<SignedIn> {
  const res = await api
    .http()
    .post('/auth/register-company')
    .send({
      email: uniqueEmail('owner'),
      password: PASSWORD,
      name: 'Olive Owner',
      companyName: `Swift Parcels ${randomBytes(3).toString('hex')}`,
      ...overrides,
    })
    .expect(201);
  return { ...res.body, password: PASSWORD };
}

/** Signs in as the stack's platform admin (start the API with ADMIN_ENV). */
export async function loginAdmin(api: ApiInstance): Promise<SignedIn> {
  const res = await api
    .http()
    .post('/auth/login')
    .send({ email: ADMIN_ENV.ADMIN_EMAIL, password: ADMIN_ENV.ADMIN_PASSWORD })
    .expect(200);
  return { ...res.body, password: ADMIN_ENV.ADMIN_PASSWORD };
}

export const ADMIN_ENV = {
  ADMIN_EMAIL: 'admin@parcsal.test',
  ADMIN_PASSWORD: 'admin-password-123',
};

export function bearer(session: { accessToken: string }): [string, string] {
  return ['Authorization', `Bearer ${session.accessToken}`];
}

/** A shipment published by `company` through the API (Lyon → Berlin, 100 kg, 2.50/kg unless overridden). */
export async function createShipment(
  api: ApiInstance,
  company: SignedIn,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; companyId: string; capacityKg: number; bookedKg: number }> {
  const res = await api
    .http()
    .post('/shipments')
    .set(...bearer(company))
    .send({
      origin: 'Lyon',
      destination: 'Berlin',
      departureAt: '2031-03-01T08:00:00.000Z',
      capacityKg: 100,
      pricePerKgCents: 250,
      mode: 'ROAD',
      ...overrides,
    })
    .expect(201);
  return res.body;
}

/**
 * `member` (signed in, in no company yet) becomes a MEMBER of `owner`'s company the way a user
 * does: invited by the owner, then accepting with the emailed token (read from the outbox). Their
 * access token then acts as a member at once (the session's facts follow the change).
 */
export async function joinCompany(
  api: ApiInstance,
  stack: Pick<TestStack, 'sql'>,
  owner: SignedIn,
  member: SignedIn,
): Promise<void> {
  const companyId = owner.company?.id ?? owner.user.companyId;
  await api
    .http()
    .post(`/companies/${companyId}/invitations`)
    .set(...bearer(owner))
    .send({ email: member.user.email })
    .expect(201);
  const [invitation] = await stack.sql<{ payload: { token: string } }>(
    `SELECT payload FROM email_outbox WHERE event = 'company.invitation' AND "to" = $1
     ORDER BY created_at DESC LIMIT 1`,
    [member.user.email],
  );
  await api
    .http()
    .post('/companies/invitations/accept')
    .set(...bearer(member))
    .send({ token: invitation.payload.token })
    .expect(200);
}
