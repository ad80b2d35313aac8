import { randomUUID } from 'node:crypto';
import type { components } from './support/api-types';
import { PASSWORD, uniqueEmail } from './support/fixtures';
import { TestStack } from './support/test-stack';
import { ApiClient, expectBody, signedIn, typedClient } from './support/typed-client';

type BookingStatus = components['schemas']['BookingView']['status'];

/**
 * A whole marketplace flow through a client generated from docs/openapi.json (openapi-typescript
 * types + openapi-fetch): a path, body field or response field that the document renames or
 * drops breaks the type-check of this file, and every response is checked against the document.
 */
describe('Typed client from the OpenAPI document', () => {
  let stack: TestStack;
  let client: ApiClient;
  beforeAll(async () => {
    stack = await TestStack.create();
    client = typedClient(await stack.startApi());
  });
  afterAll(() => stack.close());

  it('registers, publishes, books, accepts, pays, delivers and reviews', async () => {
    const owner = expectBody(
      await client.POST('/auth/register-company', {
        body: {
          email: uniqueEmail('owner'),
          password: PASSWORD,
          name: 'Olive Owner',
          companyName: `Typed Parcels ${randomUUID().slice(0, 8)}`,
        },
      }),
      201,
    );
    const customer = expectBody(
      await client.POST('/auth/register-customer', {
        body: { email: uniqueEmail('customer'), password: PASSWORD, name: 'Casey Customer' },
      }),
      201,
    );
    expect(customer.user.role).toBe('CUSTOMER');

    const shipment = expectBody(
      await client.POST('/shipments', {
        headers: signedIn(owner),
        body: {
          origin: 'Lyon',
          destination: 'Berlin',
          departureAt: '2031-03-01T08:00:00.000Z',
          capacityKg: 100,
          pricePerKgCents: 250,
          mode: 'ROAD',
        },
      }),
      201,
    );
    expect(shipment.companyId).toBe(owner.company.id);

    const booking = expectBody(
      await client.POST('/bookings', {
        headers: signedIn(customer),
        body: { shipmentId: shipment.id, weightKg: 12.5, description: 'Books' },
      }),
      201,
    );
    expect({ status: booking.status, priceCents: booking.priceCents }).toEqual({
      status: 'PENDING' satisfies BookingStatus,
      priceCents: 3125,
    });
    const path = { params: { path: { id: booking.id } } };

    const accepted = expectBody(
      await client.POST('/bookings/{id}/accept', { ...path, headers: signedIn(owner) }),
      200,
    );
    expect(accepted.status).toBe('CONFIRMED' satisfies BookingStatus);

    const pay = () =>
      client.POST('/bookings/{id}/pay', {
        params: { path: { id: booking.id }, header: { 'Idempotency-Key': `pay-${booking.id}` } },
        headers: signedIn(customer),
      });
    const payment = expectBody(await pay(), 201);
    expect({ status: payment.status, amountCents: payment.amountCents }).toEqual({
      status: 'SUCCEEDED',
      amountCents: 3125,
    });
    // The same key answers the same payment: a retried request never charges twice.
    expect(expectBody(await pay(), 201).paymentId).toBe(payment.paymentId);

    const delivered = expectBody(
      await client.POST('/bookings/{id}/deliver', { ...path, headers: signedIn(owner) }),
      200,
    );
    expect(delivered.status).toBe('DELIVERED' satisfies BookingStatus);

    const company = { params: { path: { id: owner.company.id } } };
    const review = expectBody(
      await client.POST('/companies/{id}/reviews', {
        ...company,
        headers: signedIn(customer),
        body: { bookingId: booking.id, rating: 5, comment: 'On time, well packed' },
      }),
      201,
    );
    expect({ rating: review.rating, author: review.customer.id }).toEqual({
      rating: 5,
      author: customer.user.id,
    });
    const stats = expectBody(await client.GET('/companies/{id}/reviews/stats', company), 200);
    expect({ count: stats.count, average: stats.average }).toEqual({ count: 1, average: 5 });
  });
});
