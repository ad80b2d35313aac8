import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CompaniesModule } from '../companies/companies.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { UsersModule } from '../users/users.module';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { KnownDevicesService } from './known-devices.service';

/**
 * The account flows, at /auth: register (a customer, or a company with its owner), login, refresh,
 * logout, the user's sessions, an admin's force-logout, and the ADMIN_EMAIL bootstrap. Above users,
 * companies, notifications and the email outbox; on top of auth's tokens, sessions and credentials.
 */
@Module({
  imports: [AuthModule, UsersModule, CompaniesModule, NotificationsModule],
  controllers: [AccountsController],
  providers: [AccountsService, KnownDevicesService, AdminBootstrapService],
  exports: [AccountsService],
})
export class AccountsModule {}
