import {
  isISO8601,
  registerDecorator,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';

/** The instants every timestamp field accepts: four-digit years, as PostgreSQL and JavaScript hold them. */
export const MIN_DATE_TIME = '0001-01-01T00:00:00.000Z';
export const MAX_DATE_TIME = '9999-12-31T23:59:59.999Z';
const MIN_MS = Date.parse(MIN_DATE_TIME);
const MAX_MS = Date.parse(MAX_DATE_TIME);

/**
 * The calendar day of `YYYY-MM-DD…` exists (no 2031-02-30, which Date.parse rolls over into
 * March). class-validator's `strict` option does this check through `new Date(string)` and so
 * refuses every year below 1000, 0001-01-01 included.
 */
function isRealCalendarDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return true;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Milliseconds of a valid date-time string, else NaN (anything that is not such a string included). */
export function dateTimeMs(value: unknown): number {
  if (typeof value !== 'string' || !isISO8601(value) || !isRealCalendarDay(value)) return NaN;
  const ms = Date.parse(value);
  return ms >= MIN_MS && ms <= MAX_MS ? ms : NaN;
}

/** For @ApiProperty: what IsDateTime accepts, so the document and the check say the same. */
export const DATE_TIME_SCHEMA = {
  type: String,
  format: 'date-time',
  description: `ISO-8601 date-time from ${MIN_DATE_TIME} to ${MAX_DATE_TIME} (after its offset)`,
  example: '2030-01-31T08:00:00Z',
} as const;

/**
 * An ISO-8601 date-time string (never a number or a boolean) that is a real instant within
 * [MIN_DATE_TIME, MAX_DATE_TIME] once its offset is applied. IsISO8601 alone lets through week
 * dates and basic formats that Date cannot read, and years PostgreSQL refuses (0000, 10000 after
 * a -14:00 offset), which reached the database as a 500.
 */
export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return (object: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isDateTime',
      target: object.constructor,
      propertyName: String(propertyName),
      options: {
        message: `$property must be an ISO-8601 date-time from ${MIN_DATE_TIME} to ${MAX_DATE_TIME}, e.g. 2030-01-31T08:00:00Z`,
        ...options,
      },
      validator: { validate: (value: unknown) => !Number.isNaN(dateTimeMs(value)) },
    });
}

/** The date-time must not be earlier than the one in `property` (when both are valid). */
export function NotBefore(property: string, options?: ValidationOptions): PropertyDecorator {
  return (object: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'notBefore',
      target: object.constructor,
      propertyName: String(propertyName),
      constraints: [property],
      options: { message: `$property must not be before ${property}`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const mine = dateTimeMs(value);
          const theirs = dateTimeMs((args.object as Record<string, unknown>)[property]);
          return Number.isNaN(mine) || Number.isNaN(theirs) || mine >= theirs;
        },
      },
    });
}
