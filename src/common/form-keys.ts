/**
 * body-parser `verify` hook for urlencoded bodies: qs drops a `__proto__` key before the
 * validation pipe could see it (so it was accepted while any other unknown field is a 400).
 * Refused here, from the raw body, with the message the pipe gives any prototype key.
 */
export function rejectFormPrototypeKeys(_req: unknown, _res: unknown, raw: Buffer): void {
  for (const key of new URLSearchParams(raw.toString('latin1')).keys()) {
    if (key === '__proto__') {
      throw Object.assign(new Error('property __proto__ should not exist'), {
        status: 400,
        type: 'entity.forbidden.key',
      });
    }
  }
}
