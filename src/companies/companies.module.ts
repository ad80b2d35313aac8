import { Module } from '@nestjs/common';
import { CompaniesController } from './companies.controller';
import { CompaniesService } from './companies.service';
import { CompanyInvitationsService } from './company-invitations.service';

@Module({
  controllers: [CompaniesController],
  providers: [CompaniesService, CompanyInvitationsService],
  exports: [CompaniesService],
})
export class CompaniesModule {}
