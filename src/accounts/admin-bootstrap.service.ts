import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { and, eq } from 'drizzle-orm';
import { hashPassword, verifyPassword } from '../auth/password';
import { UserRecords, UserRow } from '../auth/user-records';
import { APP_CONFIG, AppConfig, ConfigError } from '../config';
import { DB, Database, schema } from '../database';
import { AccountsService } from './accounts.service';

/**
 * ADMIN_EMAIL + ADMIN_PASSWORD: that platform admin exists (and has that password) after start-up.
 *
 * Anyone can register any address, so an existing account with that email is only taken over
 * when it already is an ADMIN: a CUSTOMER or COMPANY account is never promoted (start-up refuses
 * with one line naming ADMIN_EMAIL, and the account stays as it is). When the password changes,
 * every session of that admin is revoked, as a password change should; an unchanged password
 * changes nothing, so a restart does not sign the admin out.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UserRecords,
    private readonly accounts: AccountsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin) return;
    const existing = await this.users.findByEmail(admin.email);
    if (existing) return this.update(existing, admin.password);

    const passwordHash = await hashPassword(admin.password);
    const [created] = await this.db
      .insert(schema.users)
      .values({ email: admin.email, passwordHash, name: 'Administrator', role: 'ADMIN' })
      .onConflictDoNothing({ target: schema.users.email })
      .returning({ id: schema.users.id });
    if (created) {
      this.logger.log(`platform admin ${admin.email} created`);
      return;
    }
    // Registered (or bootstrapped by another API process) since the read above.
    const raced = await this.users.findByEmail(admin.email);
    if (raced) await this.update(raced, admin.password);
  }

  private async update(user: UserRow, password: string): Promise<void> {
    if (user.role !== 'ADMIN') {
      throw new ConfigError(
        'ADMIN_EMAIL',
        `is the email of an existing ${user.role} account, which is never made an admin: choose another address`,
      );
    }
    if (await verifyPassword(user.passwordHash, password)) {
      this.logger.log(`platform admin ${user.email} is ready`);
      return;
    }
    const [changed] = await this.db
      .update(schema.users)
      .set({ passwordHash: await hashPassword(password) })
      // Only from the hash read above: of API processes starting together, one revokes.
      .where(and(eq(schema.users.id, user.id), eq(schema.users.passwordHash, user.passwordHash)))
      .returning({ id: schema.users.id });
    if (!changed) return;
    await this.accounts.logoutAll(user.id);
    this.logger.log(`platform admin ${user.email}: password changed, its sessions revoked`);
  }
}
