import { Inject, Injectable } from '@nestjs/common';
import { and, count, eq, ne } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { DB, Database, DbExecutor, schema } from '../database';

/** Devices are told apart by user agent (docs/contract.md): its hash is the device id. */
function deviceHash(userAgent: string): string {
  return createHash('sha256').update(userAgent).digest('hex');
}

@Injectable()
export class KnownDevicesService {
  constructor(@Inject(DB) private readonly db: Database) {}

  /**
   * Records the device; true when it is new for a user who had signed in from another device
   * before (a user's first device is never "new").
   */
  async remember(
    userId: string,
    userAgent: string,
    executor: DbExecutor = this.db,
  ): Promise<boolean> {
    const hash = deviceHash(userAgent);
    const inserted = await executor
      .insert(schema.userDevices)
      .values({ userId, deviceHash: hash, userAgent: userAgent.slice(0, 512) })
      .onConflictDoNothing()
      .returning({ userId: schema.userDevices.userId });
    if (inserted.length === 0) return false;
    const [{ others }] = await executor
      .select({ others: count() })
      .from(schema.userDevices)
      .where(and(eq(schema.userDevices.userId, userId), ne(schema.userDevices.deviceHash, hash)));
    return others > 0;
  }
}
