import type { TestStack } from './test-stack';

export type OutboxRow = {
  id: string;
  event: string;
  to: string;
  state: string;
  attempts: number;
};

/**
 * Resolves with the outbox rows whose recipient matches `to` (a LIKE pattern; a plain address
 * matches itself) once there are at least `count` and none is PENDING any more: the positive
 * signal that the worker is done with them. Counting what the SMTP sink received is final after
 * that, since the sink stores a message before it answers the 250 the worker waits for.
 */
export async function waitForSettledOutbox(
  stack: TestStack,
  to: string,
  count = 1,
  timeoutMs = 20_000,
): Promise<OutboxRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await stack.sql<OutboxRow>(
      `SELECT id, event, "to", state::text AS state, attempts FROM email_outbox
       WHERE "to" LIKE $1 ORDER BY created_at`,
      [to],
    );
    if (rows.length >= count && rows.every((row) => row.state !== 'PENDING')) return rows;
    if (Date.now() > deadline) {
      const states = rows.map((row) => row.state).join(', ');
      throw new Error(`outbox to ${to}: [${states}] not ${count} settled within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
