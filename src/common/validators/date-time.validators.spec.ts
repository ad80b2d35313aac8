import { dateTimeMs, MAX_DATE_TIME, MIN_DATE_TIME } from './date-time.validators';

describe('dateTimeMs (the one date-time rule of every DTO)', () => {
  it.each([
    ['0001-01-01T00:00:00Z', Date.parse(MIN_DATE_TIME)],
    ['9999-12-31T23:59:59.999Z', Date.parse(MAX_DATE_TIME)],
    ['2032-02-29', Date.UTC(2032, 1, 29)],
    ['2030-01-31T08:00:00+01:00', Date.UTC(2030, 0, 31, 7)],
    ['2030-01-31T08:00:00.1234567Z', Date.UTC(2030, 0, 31, 8, 0, 0, 123)],
    ['0004-02-29T00:00:00Z', Date.parse('0004-02-29T00:00:00Z')],
  ])('accepts %s', (value, ms) => {
    expect(dateTimeMs(value)).toBe(ms);
  });

  it.each([
    // range edges, after the offset
    '0000-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00+00:01',
    '9999-12-31T23:59:59-14:00',
    '+010000-01-01T00:00:00Z',
    // not a calendar day, or not a form Date can read
    '2031-02-30T08:00:00Z',
    '2031-02-29',
    '2031-13-01',
    '2031-W10',
    '20310305',
    '2030-01-31T08:00:00,5Z',
    'tomorrow',
    '',
    // only strings are date-times
    true,
    1,
    8.64e15,
    null,
    { $date: '2030-01-01' },
    ['2030-01-01'],
  ])('refuses %p', (value) => {
    expect(dateTimeMs(value)).toBeNaN();
  });
});
