import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DB, Database, schema } from '../database';
import { APP_CONFIG, AppConfig } from '../config';
import { hashPassword } from '../auth/password';

/** ADMIN_EMAIL + ADMIN_PASSWORD: that platform admin exists (and has that password) after start-up. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @Inject(DB) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin) return;
    const passwordHash = await hashPassword(admin.password);
    await this.db
      .insert(schema.users)
      .values({ email: admin.email, passwordHash, name: 'Administrator', role: 'ADMIN' })
      .onConflictDoUpdate({
        target: schema.users.email,
        set: { passwordHash, role: 'ADMIN', companyId: null, companyRole: null },
      });
    this.logger.log(`platform admin ${admin.email} is ready`);
  }
}
