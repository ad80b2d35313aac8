import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DomainEvent, DomainEvents, ReviewCreatedEvent } from './domain-events';

const review: ReviewCreatedEvent = { reviewId: 'r', companyId: 'c', customerId: 'u' };

describe('DomainEvents', () => {
  afterEach(() => jest.restoreAllMocks());

  it('resolves only once the async listeners are done', async () => {
    const emitter = new EventEmitter2();
    const seen: ReviewCreatedEvent[] = [];
    // EventEmitter2 types listeners as returning void; emitAsync awaits what they return.
    const slow = async (event: ReviewCreatedEvent) => {
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(event);
    };
    emitter.on(DomainEvent.ReviewCreated, slow as (event: ReviewCreatedEvent) => void);
    await new DomainEvents(emitter).emit(DomainEvent.ReviewCreated, review);
    expect(seen).toEqual([review]);
  });

  it("logs a listener's error instead of failing the write that emitted it", async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const emitter = new EventEmitter2();
    const failing = () => Promise.reject(new Error('cache down'));
    emitter.on(DomainEvent.ReviewCreated, failing as () => void);
    emitter.on(DomainEvent.SessionsRevoked, () => {
      throw new Error('sync boom');
    });
    const events = new DomainEvents(emitter);
    await expect(events.emit(DomainEvent.ReviewCreated, review)).resolves.toBeUndefined();
    await expect(
      events.emit(DomainEvent.SessionsRevoked, { userId: 'u', sessionIds: 'all' }),
    ).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith('review.created listeners failed: cache down');
    expect(warn).toHaveBeenCalledWith('auth.sessions.revoked listeners failed: sync boom');
  });
});
