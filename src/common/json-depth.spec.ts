import { jsonDepth, rejectDeepJson } from './json-depth';

describe('jsonDepth', () => {
  it('counts nesting, ignoring brackets inside strings', () => {
    expect(jsonDepth(Buffer.from('{"a":[1,{"b":2}]}'))).toBe(3);
    expect(jsonDepth(Buffer.from('{"a":"[[[[\\"{{"}'))).toBe(1);
    expect(jsonDepth(Buffer.from('42'))).toBe(0);
  });
  it('refuses bodies nested deeper than the limit with a 400', () => {
    expect(() => rejectDeepJson(null, null, Buffer.from('['.repeat(33) + ']'.repeat(33)))).toThrow(
      expect.objectContaining({ status: 400, type: 'entity.too.deep' }),
    );
    expect(() =>
      rejectDeepJson(null, null, Buffer.from('['.repeat(32) + ']'.repeat(32))),
    ).not.toThrow();
  });
});
