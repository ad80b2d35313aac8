import { hasAtMostDecimals } from './max-decimals.validator';

describe('hasAtMostDecimals', () => {
  it.each([
    [12.345, 3],
    [0.001, 3],
    [1_000_000, 3],
    [12345 * 0.001, 3], // 12.345000000000001: a multiple of 0.001 up to binary noise
    [-0, 0],
    [Number.MAX_SAFE_INTEGER, 0],
    [1e300, 0],
  ])('%p has at most %p decimals', (value, decimals) => {
    expect(hasAtMostDecimals(value, decimals)).toBe(true);
  });

  it.each([
    [1e-7, 3], // threw inside class-validator's IsNumber({maxDecimalPlaces})
    [1.5e-7, 3],
    [0.0005, 3],
    [12.3456, 3],
    [0.5, 0],
    [NaN, 3],
    [Infinity, 3],
  ])('%p has more than %p decimals', (value, decimals) => {
    expect(hasAtMostDecimals(value, decimals)).toBe(false);
  });
});
