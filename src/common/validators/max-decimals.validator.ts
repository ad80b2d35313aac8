import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * A number with at most `decimals` digits after the point. class-validator's
 * IsNumber({maxDecimalPlaces}) splits `String(value)` on "." and threw on exponent forms such as
 * 1e-7 (a 500), so never use that option: use this. A value within floating-point noise of a
 * multiple of 10^-decimals counts (12345 × 0.001 is 12.345000000000001 in binary).
 */
export function hasAtMostDecimals(value: number, decimals: number): boolean {
  if (!Number.isFinite(value)) return false;
  const scaled = value * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, Math.abs(scaled));
}

/** Validates a number's precision only (type and range are their own rules, with their own messages). */
export function MaxDecimals(decimals: number, options?: ValidationOptions): PropertyDecorator {
  return (object: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'maxDecimals',
      target: object.constructor,
      propertyName: String(propertyName),
      constraints: [decimals],
      options: { message: `$property must have at most ${decimals} decimals`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'number' || hasAtMostDecimals(value, decimals),
      },
    });
}
