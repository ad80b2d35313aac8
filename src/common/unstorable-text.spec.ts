import { hostileInputProblems, isUnstorableText } from './unstorable-text';

describe('isUnstorableText', () => {
  it.each(['plain', 'émoji 😀', 'עברית RTL \u202e', 'tab\there', ''])('stores %p', (text) => {
    expect(isUnstorableText(text)).toBe(false);
  });

  it.each(['a\u0000b', '\u0000', 'lone \ud800 high', 'lone \udc00 low', 'reversed \ude00\ud83d'])(
    'refuses %p',
    (text) => {
      expect(isUnstorableText(text)).toBe(true);
    },
  );
});

describe('hostileInputProblems', () => {
  it('names unstorable values at any depth', () => {
    expect(
      hostileInputProblems({ name: 'a\u0000', items: [{ text: '\ud800' }], ok: 'fine' }, ''),
    ).toEqual([
      'name must not contain NUL characters or unpaired UTF-16 surrogates',
      'items[0].text must not contain NUL characters or unpaired UTF-16 surrogates',
    ]);
  });

  it('refuses __proto__ and constructor keys as JSON.parse makes them (own properties)', () => {
    expect(hostileInputProblems(JSON.parse('{"__proto__":{"admin":true}}'), '')).toEqual([
      'property __proto__ should not exist',
    ]);
    expect(hostileInputProblems({ a: { constructor: 1 } }, '')).toEqual([
      'property a.constructor should not exist',
    ]);
  });

  it('names a path parameter by its name', () => {
    expect(hostileInputProblems('\u0000', 'idOrSlug')).toEqual([
      'idOrSlug must not contain NUL characters or unpaired UTF-16 surrogates',
    ]);
  });

  it('passes ordinary input and non-string scalars', () => {
    expect(hostileInputProblems({ a: 1, b: null, c: [true, 'x'] }, '')).toEqual([]);
    expect(hostileInputProblems(undefined, '')).toEqual([]);
  });
});
