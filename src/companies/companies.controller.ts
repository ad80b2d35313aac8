import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../common/public.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { CompaniesService } from './companies.service';
import { CompanyInvitationsService } from './company-invitations.service';
import { AcceptInvitationDto, CreateInvitationDto, UpdateCompanyDto } from './dto/companies.dto';

@ApiTags('companies')
@Controller('companies')
export class CompaniesController {
  constructor(
    private readonly companies: CompaniesService,
    private readonly invitations: CompanyInvitationsService,
  ) {}

  /** Declared before `:idOrSlug` routes so "invitations" is never read as a company. */
  @ApiBearerAuth()
  @Post('invitations/accept')
  @HttpCode(200)
  accept(@CurrentUser() user: AuthUser, @Body() dto: AcceptInvitationDto) {
    return this.invitations.accept(user, dto.token);
  }

  @Public()
  @Get(':idOrSlug')
  @CachedResponse('COMPANY')
  profile(@Param('idOrSlug') idOrSlug: string) {
    return this.companies.profile(idOrSlug);
  }

  @ApiBearerAuth()
  @Patch(':id')
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateCompanyDto,
  ) {
    return this.companies.update(user, id, dto);
  }

  @ApiBearerAuth()
  @Post(':id/invitations')
  invite(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateInvitationDto,
  ) {
    return this.invitations.invite(user, id, dto.email);
  }
}
