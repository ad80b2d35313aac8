import { cacheKeyOf, normaliseQuery } from './cache-key';

describe('normaliseQuery', () => {
  const defaults = { page: '1', limit: '20' };

  it('applies defaults and sorts, so equivalent queries share a key', () => {
    const expected = 'limit=20&origin=Lyon&page=1';
    expect(normaliseQuery({ origin: 'Lyon' }, defaults)).toBe(expected);
    expect(normaliseQuery({ limit: '20', origin: 'Lyon' }, defaults)).toBe(expected);
    expect(normaliseQuery({ page: '1', origin: 'Lyon', limit: '20' }, defaults)).toBe(expected);
  });

  it('keeps values that differ from the defaults, and empty values, apart', () => {
    const base = normaliseQuery({}, defaults);
    expect(normaliseQuery({ page: '2' }, defaults)).not.toBe(base);
    // `?page=` is a validation error: it must not be served the default page's entry.
    expect(normaliseQuery({ page: '' }, defaults)).not.toBe(base);
    expect(normaliseQuery({ extra: 'x' }, defaults)).not.toBe(base);
  });

  it('cannot be confused by separators inside values', () => {
    expect(normaliseQuery({ a: '1&b=2' }, {})).not.toBe(normaliseQuery({ a: '1', b: '2' }, {}));
    expect(normaliseQuery({ a: ['1', '2'] }, {})).not.toBe(normaliseQuery({ a: '1,2' }, {}));
  });
});

describe('cacheKeyOf', () => {
  it('is stable, bounded and distinct per part', () => {
    const key = cacheKeyOf('PROFILE', ['GET', '/users/me', '', 'user-1']);
    expect(key).toBe(cacheKeyOf('PROFILE', ['GET', '/users/me', '', 'user-1']));
    expect(key).toMatch(/^PROFILE:[\w-]{43}$/);
    expect(cacheKeyOf('PROFILE', ['GET', '/users/me', '', 'user-2'])).not.toBe(key);
    expect(cacheKeyOf('SEARCH', ['GET', '/x', 'a'.repeat(5000), ''])).toHaveLength(50);
  });

  it('answers the same key whether remembered or computed, whatever the family or length', () => {
    const parts = ['GET', '/companies/acme', '', ''];
    const first = cacheKeyOf('COMPANY', parts);
    expect(cacheKeyOf('COMPANY', [...parts])).toBe(first);
    // Same parts, another family: another key (the family is part of what is remembered).
    expect(cacheKeyOf('REVIEW_STATS', parts)).toBe(`REVIEW_STATS:${first.split(':')[1]}`);
    const long = ['GET', '/x', 'b'.repeat(2000), ''];
    expect(cacheKeyOf('SEARCH', long)).toBe(cacheKeyOf('SEARCH', [...long]));
    // Past the bound of remembered keys, keys are still right.
    for (let i = 0; i < 5000; i++) cacheKeyOf('SEARCH', ['GET', `/p/${i}`, '', '']);
    expect(cacheKeyOf('COMPANY', parts)).toBe(first);
  });
});
