import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { Database, DB } from './database.types';

@Injectable()
export class DatabaseHealth {
  constructor(@Inject(DB) private readonly db: Database) {}

  async ping(): Promise<boolean> {
    try {
      await this.db.execute(sql`SELECT 1`);
      return true;
    } catch {
      return false;
    }
  }
}
