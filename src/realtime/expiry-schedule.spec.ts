import { ExpirySchedule } from './expiry-schedule';

describe('ExpirySchedule', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0);
  const inSeconds = (s: number) => start / 1000 + s;
  let expired: string[];
  let schedule: ExpirySchedule<string>;

  beforeEach(() => {
    jest.useFakeTimers({ now: start });
    expired = [];
    schedule = new ExpirySchedule((item) => expired.push(item));
  });
  afterEach(() => {
    schedule.clear();
    jest.useRealTimers();
  });

  it('expires each item at its second, earliest first, whatever the order they were added in', () => {
    schedule.add('late', inSeconds(5));
    schedule.add('early', inSeconds(2));
    schedule.add('early-too', inSeconds(2));
    jest.advanceTimersByTime(1999);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['early', 'early-too']);
    jest.advanceTimersByTime(2999);
    expect(expired).toEqual(['early', 'early-too']);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['early', 'early-too', 'late']);
  });

  it('never expires a deleted item, and still expires the others of its second', () => {
    schedule.add('gone', inSeconds(1));
    schedule.add('stays', inSeconds(1));
    schedule.delete('gone', inSeconds(1));
    jest.advanceTimersByTime(1000);
    expect(expired).toEqual(['stays']);
  });

  it('expires an item whose second is already past at once', () => {
    schedule.add('past', inSeconds(-10));
    jest.advanceTimersByTime(0);
    expect(expired).toEqual(['past']);
  });

  it('waits past the longest setTimeout delay for a far expiry', () => {
    const farSeconds = 30 * 24 * 3600; // longer than 2^31 - 1 ms (~24.8 days)
    schedule.add('far', inSeconds(farSeconds));
    jest.advanceTimersByTime(2 ** 31 - 1);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(farSeconds * 1000 - (2 ** 31 - 1));
    expect(expired).toEqual(['far']);
  });
});
