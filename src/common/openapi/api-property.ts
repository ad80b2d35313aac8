import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';

type Options = ApiPropertyOptions & { nullable?: boolean };

/** Property decorators for the formats the API's bodies use, so each is declared one way. */
export const IdProperty = (options: Options = {}) =>
  ApiProperty({ type: String, format: 'uuid', ...options });

export const DateTimeProperty = (options: Options = {}) =>
  ApiProperty({ type: String, format: 'date-time', ...options });

/** A whole number ≥ 0: counts, cents. */
export const CountProperty = (options: Options = {}) =>
  ApiProperty({ type: 'integer', minimum: 0, ...options });
