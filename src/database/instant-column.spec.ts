import { parsePgTimestamptz } from './instant-column';

describe('parsePgTimestamptz', () => {
  it.each([
    ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'], // new Date() reads 2001
    ['0099-06-01 12:30:00+00', '0099-06-01T12:30:00.000Z'], // new Date() reads 1999
    ['9999-12-31 23:59:59.999+00', '9999-12-31T23:59:59.999Z'],
    ['2030-01-31 08:00:00.123456+00', '2030-01-31T08:00:00.123Z'],
    ['2030-01-31 09:00:00+01', '2030-01-31T08:00:00.000Z'],
    ['2030-01-31 03:30:00-04:30', '2030-01-31T08:00:00.000Z'],
    ['1800-01-01 00:09:21+00:09:21', '1800-01-01T00:00:00.000Z'], // LMT offsets of old dates
  ])('%s is %s', (text, iso) => {
    expect(parsePgTimestamptz(text).toISOString()).toBe(iso);
  });

  it('throws on a form it does not know rather than guessing', () => {
    expect(() => parsePgTimestamptz('infinity')).toThrow(/Unreadable timestamptz/);
  });
});
