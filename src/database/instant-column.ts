import { customType } from 'drizzle-orm/pg-core';

/** PostgreSQL's text form of a timestamptz: `0001-01-01 00:00:00.123456+00`, offsets to the second. */
const PG_TIMESTAMPTZ =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/**
 * Reads a timestamptz as PostgreSQL writes it. Drizzle's own column does `new Date(text)`, and
 * V8 reads a year below 100 in that non-ISO form as 19xx/20xx: 0001-01-01 came back as
 * 2001-01-01. Years are four digits here: every instant the API accepts is within 0001..9999.
 */
export function parsePgTimestamptz(text: string): Date {
  const match = PG_TIMESTAMPTZ.exec(text);
  if (!match) throw new Error(`Unreadable timestamptz from PostgreSQL: ${text}`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const ms = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const offsetSeconds =
    (match[8] === '-' ? -1 : 1) *
    (Number(match[9]) * 3600 + Number(match[10] ?? 0) * 60 + Number(match[11] ?? 0));
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC also maps years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return new Date(date.getTime() - offsetSeconds * 1000);
}

/**
 * A `timestamp with time zone` column for instants a user chooses (any in 0001..9999), read
 * without drizzle's two-digit-year slip. Same SQL type, so no migration.
 */
export const instant = customType<{ data: Date; driverData: string }>({
  dataType: () => 'timestamp with time zone',
  toDriver: (value) => value.toISOString(),
  fromDriver: parsePgTimestamptz,
});
