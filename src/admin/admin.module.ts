import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AdminDashboardController } from './admin-dashboard.controller';
import { AdminDashboardService } from './admin-dashboard.service';
import { AdminUsersController } from './admin-users.controller';

@Module({
  imports: [AccountsModule],
  controllers: [AdminUsersController, AdminDashboardController],
  providers: [AdminDashboardService],
})
export class AdminModule {}
