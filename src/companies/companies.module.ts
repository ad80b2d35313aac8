import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { CompaniesController } from './companies.controller';
import { CompaniesService } from './companies.service';
import { CompanyInvitationsService } from './company-invitations.service';

@Module({
  imports: [UsersModule],
  controllers: [CompaniesController],
  providers: [CompaniesService, CompanyInvitationsService],
  exports: [CompaniesService],
})
export class CompaniesModule {}
