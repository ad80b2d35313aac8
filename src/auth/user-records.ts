import { Inject, Injectable } from '@nestjs/common';
import { eq } from 'drizzle-orm';
import { DB, Database, schema } from '../database';

export type UserRow = typeof schema.users.$inferSelect;

/**
 * The users table as signing in reads it: by id (the guard, when a session's facts record is
 * missing) and by email (credentials). Here, below the users feature, so that auth imports no
 * feature; UsersService holds the rest of the users' data access.
 */
@Injectable()
export class UserRecords {
  constructor(@Inject(DB) private readonly db: Database) {}

  async findById(id: string): Promise<UserRow | undefined> {
    const [user] = await this.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.id, id))
      .limit(1);
    return user;
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const [user] = await this.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.email, email.toLowerCase()))
      .limit(1);
    return user;
  }
}
