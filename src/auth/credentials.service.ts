import { Injectable } from '@nestjs/common';
import { TIMING_DUMMY_HASH, verifyPassword } from './password';
import { UserRecords, UserRow } from './user-records';

/**
 * The one check of an email and password, for every way of signing in (POST /auth/login, the
 * queue dashboard's HTTP Basic). Rate limits are the caller's (LOGIN, LOGIN_EMAIL).
 */
@Injectable()
export class CredentialsService {
  constructor(private readonly users: UserRecords) {}

  /**
   * The user these credentials belong to, or null. An unknown email costs one password
   * verification too, so the time taken does not tell which emails are registered.
   */
  async verify(email: string, password: string): Promise<UserRow | null> {
    const user = await this.users.findByEmail(email);
    const valid = await verifyPassword(user?.passwordHash ?? (await TIMING_DUMMY_HASH), password);
    return user && valid ? user : null;
  }

  /**
   * The account behind an email as it is now, without checking a password: for a caller that
   * verified these credentials earlier and must notice a password or role change since.
   */
  account(email: string): Promise<UserRow | undefined> {
    return this.users.findByEmail(email);
  }
}
