import { randomUUID } from 'node:crypto';
import { ForbiddenException } from '@nestjs/common';
import { ChatService } from '../src/chat/chat.service';
import { ChatCast, chatCast, insertBooking } from './support/chat-fixtures';
import { bearer, registerCustomer } from './support/fixtures';
import { emitWithAck, SocketClients } from './support/socket-client';
import { ApiInstance, TestStack } from './support/test-stack';

describe('chat history (HTTP)', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let chat: ChatService;
  let cast: ChatCast;

  beforeAll(async () => {
    stack = await TestStack.create();
    api = await stack.startApi();
    chat = api.app.get(ChatService);
    cast = await chatCast(stack, api);
  });
  afterAll(() => stack.close());

  const messagesOf = (bookingId: string, session: { accessToken: string }, query = '') =>
    api
      .http()
      .get(`/chat/conversations/${bookingId}/messages${query}`)
      .set(...bearer(session));

  const conversationsOf = (session: { accessToken: string }, query = '') =>
    api
      .http()
      .get(`/chat/conversations${query}`)
      .set(...bearer(session));

  it('lists a conversation without messages for both sides, with lastMessage null', async () => {
    const fresh = await registerCustomer(api, { name: 'Fresh Customer' });
    const bookingId = await insertBooking(stack, cast.companyId, fresh.user.id, 'CONFIRMED');

    const res = await conversationsOf(fresh).expect(200);
    expect(res.body).toMatchObject({ total: 1, page: 1, limit: 20 });
    expect(res.body.items).toEqual([
      {
        bookingId,
        status: 'CONFIRMED',
        shipment: {
          id: expect.any(String),
          origin: 'Lisbon',
          destination: 'Berlin',
          departureAt: expect.any(String),
        },
        customer: { id: fresh.user.id, name: 'Fresh Customer' },
        company: { id: cast.companyId, name: cast.owner.company!.name },
        lastMessage: null,
        updatedAt: expect.any(String),
      },
    ]);

    const forCompany = await conversationsOf(cast.member).expect(200);
    expect(forCompany.body.items.map((c: { bookingId: string }) => c.bookingId)).toContain(
      bookingId,
    );
  });

  it('stores messages and lists them oldest first, paginated, to every participant', async () => {
    const { bookingId, customer, owner, member } = cast;
    const first = await chat.send(customer.user, bookingId, '  Hello, is pickup at 9?  ');
    const second = await chat.send(owner.user, bookingId, 'Yes, 9 sharp.');
    const third = await chat.send(member.user, bookingId, 'I will be the driver.');
    expect(first).toEqual({
      id: expect.any(String),
      bookingId,
      senderId: customer.user.id,
      text: 'Hello, is pickup at 9?',
      createdAt: expect.any(String),
    });

    for (const participant of [customer, owner, member]) {
      const res = await messagesOf(bookingId, participant).expect(200);
      expect(res.body).toMatchObject({ total: 3, page: 1, limit: 20 });
      expect(res.body.items).toEqual([first, second, third]);
    }

    const page2 = await messagesOf(bookingId, customer, '?page=2&limit=2').expect(200);
    expect(page2.body).toEqual({ items: [third], total: 3, page: 2, limit: 2 });
  });

  it('shows the last message and orders conversations by newest activity', async () => {
    const { customer, companyId } = cast;
    const older = cast.bookingId;
    const newer = await insertBooking(stack, companyId, customer.user.id);

    // The newer booking has no messages yet but was created last: it comes first.
    let res = await conversationsOf(customer).expect(200);
    expect(res.body.items.map((c: { bookingId: string }) => c.bookingId)).toEqual([newer, older]);

    const latest = await chat.send(customer.user, older, 'Any news?');
    res = await conversationsOf(customer).expect(200);
    expect(res.body.items.map((c: { bookingId: string }) => c.bookingId)).toEqual([older, newer]);
    expect(res.body.items[0].lastMessage).toEqual(latest);
    expect(res.body.items[0].updatedAt).toBe(latest.createdAt);

    const paged = await conversationsOf(customer, '?limit=1&page=2').expect(200);
    expect(paged.body).toMatchObject({ total: 2, page: 2, limit: 1 });
    expect(paged.body.items.map((c: { bookingId: string }) => c.bookingId)).toEqual([newer]);
  });

  it('never shows a conversation to anyone else', async () => {
    for (const stranger of [cast.outsider, cast.otherCustomer]) {
      const res = await messagesOf(cast.bookingId, stranger);
      expect([403, 404]).toContain(res.status);
      expect(res.body).toMatchObject({ statusCode: res.status });
      expect(res.body.items).toBeUndefined();

      const list = await conversationsOf(stranger).expect(200);
      expect(list.body).toEqual({ items: [], total: 0, page: 1, limit: 20 });
    }
    // The booking exists, the sender is not one of its participants: forbidden, nothing stored.
    const refused = chat.send(cast.outsider.user, cast.bookingId, 'let me in');
    await expect(refused).rejects.toBeInstanceOf(ForbiddenException);
    await expect(refused).rejects.toThrow('You are not a participant of this conversation');
    const [{ n }] = await stack.sql<{ n: string }>(
      'SELECT count(*) AS n FROM chat_messages WHERE sender_id = $1',
      [cast.outsider.user.id],
    );
    expect(Number(n)).toBe(0);
  });

  it('answers 401 without a token, 404 for an unknown booking and 400 for bad input', async () => {
    await api.http().get('/chat/conversations').expect(401);
    await api.http().get(`/chat/conversations/${cast.bookingId}/messages`).expect(401);
    await messagesOf(randomUUID(), cast.customer).expect(404);
    await messagesOf('not-a-uuid', cast.customer).expect(400);
    const res = await conversationsOf(cast.customer, '?limit=500').expect(400);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/limit/)]));
  });

  it('rejects empty and over-long texts without storing them', async () => {
    const before = await messagesOf(cast.bookingId, cast.customer).expect(200);
    await expect(chat.send(cast.customer.user, cast.bookingId, '   ')).rejects.toThrow(/1 to 2000/);
    await expect(chat.send(cast.customer.user, cast.bookingId, 'x'.repeat(2001))).rejects.toThrow(
      /1 to 2000/,
    );
    for (const unstorable of ['nul \u0000 inside', 'lone \ud800 surrogate']) {
      await expect(chat.send(cast.customer.user, cast.bookingId, unstorable)).rejects.toThrow(
        /without NUL or unpaired surrogates/,
      );
    }
    const exactly = await chat.send(cast.customer.user, cast.bookingId, 'y'.repeat(2000));
    expect(exactly.text).toHaveLength(2000);
    const after = await messagesOf(cast.bookingId, cast.customer).expect(200);
    expect(after.body.total).toBe(before.body.total + 1);
  });

  it('follows company membership as it is now', async () => {
    // The outsider joins the company: the conversation opens to them at once, same token.
    await stack.sql(`UPDATE users SET company_id = $2, company_role = 'MEMBER' WHERE id = $1`, [
      cast.outsider.user.id,
      cast.companyId,
    ]);
    await messagesOf(cast.bookingId, cast.outsider).expect(200);
    await stack.sql(`UPDATE users SET company_id = $2 WHERE id = $1`, [
      cast.outsider.user.id,
      cast.outsider.company!.id,
    ]);
    const res = await messagesOf(cast.bookingId, cast.outsider);
    expect([403, 404]).toContain(res.status);
  });
});

describe('chat:send with text that cannot be stored (THROTTLE_CHAT=3/10)', () => {
  let stack: TestStack;
  let api: ApiInstance;
  const clients = new SocketClients();

  beforeAll(async () => {
    stack = await TestStack.create({
      THROTTLE_ENABLED: 'true',
      THROTTLE_CHAT: '3/10',
      THROTTLE_REGISTER: '1000/60',
      THROTTLE_GLOBAL: '1000/60',
    });
    api = await stack.startApi();
  });
  afterAll(async () => {
    clients.closeAll();
    await stack.close();
  });

  it('acks invalid_text for NUL and lone surrogates, stores nothing and uses no CHAT quota', async () => {
    const cast = await chatCast(stack, api);
    const { bookingId } = cast;
    const socket = await clients.connect(api.url, cast.customer.accessToken);
    const send = (text: string) => emitWithAck(socket, 'chat:send', { bookingId, text });

    // Five refusals: more than the quota of 3, so counting them would block what follows.
    for (const text of ['a\u0000b', '\u0000', 'lone \ud800', '\udc00 low', 'x\ud83dy']) {
      expect({ text, ack: await send(text) }).toEqual({
        text,
        ack: { ok: false, error: 'invalid_text' },
      });
    }
    for (const text of ['one', 'two 😀', 'three']) expect((await send(text)).ok).toBe(true);
    expect(await send('four')).toEqual({ ok: false, error: 'rate_limited' });

    const history = await api
      .http()
      .get(`/chat/conversations/${bookingId}/messages`)
      .set(...bearer(cast.customer))
      .expect(200);
    expect(history.body.items.map((m: { text: string }) => m.text)).toEqual([
      'one',
      'two 😀',
      'three',
    ]);
  });
});
