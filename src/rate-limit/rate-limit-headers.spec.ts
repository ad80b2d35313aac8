import { closestToLimit, rateLimitHeaders } from './rate-limit-headers';

describe('RateLimit-* headers', () => {
  it('describe the limit with the fewest requests remaining', () => {
    expect(
      rateLimitHeaders([
        { name: 'GLOBAL', limit: 100, remaining: 95, reset: 60 },
        { name: 'LOGIN', limit: 5, remaining: 2, reset: 900 },
      ]),
    ).toEqual({ 'RateLimit-Limit': 5, 'RateLimit-Remaining': 2, 'RateLimit-Reset': 900 });
  });

  it('prefer, among equally close limits, the one that resets last', () => {
    expect(
      closestToLimit([
        { name: 'GLOBAL', limit: 4, remaining: 0, reset: 10 },
        { name: 'REGISTER', limit: 3, remaining: 0, reset: 3000 },
      ])?.name,
    ).toBe('REGISTER');
  });

  it('are absent when no limit applied', () => {
    expect(rateLimitHeaders([])).toEqual({});
  });
});
