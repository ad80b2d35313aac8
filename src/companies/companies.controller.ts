import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../common/public.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { ApiCreated, ApiErrors, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { CompaniesService } from './companies.service';
import { CompanyInvitationsService } from './company-invitations.service';
import { AcceptInvitationDto, CreateInvitationDto, UpdateCompanyDto } from './dto/companies.dto';
import { CompanyProfile, InvitationAcceptance, InvitationView } from './dto/company.response';

const OWNER_ONLY = "Only the company's owner can do this";

@ApiTags('companies')
@Controller('companies')
export class CompaniesController {
  constructor(
    private readonly companies: CompaniesService,
    private readonly invitations: CompanyInvitationsService,
  ) {}

  /** Declared before `:id` routes so "invitations" is never read as a company. */
  @Post('invitations/accept')
  @Summary('Join the inviting company as a MEMBER (any signed-in user without a company)')
  @ApiOk(InvitationAcceptance)
  @ApiErrors({
    403: 'Admins cannot join a company',
    404: 'Invitation not found',
    409: 'Invitation already accepted, or you are already a member of a company',
    410: 'Invitation has expired',
  })
  acceptInvitation(@CurrentUser() user: AuthUser, @Body() dto: AcceptInvitationDto) {
    return this.invitations.accept(user, dto.token);
  }

  /** `:id` is the company's id or its slug (the same path as PATCH, so one parameter name). */
  @Public()
  @Get(':id')
  @CachedResponse('COMPANY')
  @Summary("A company's public profile, by id or slug")
  @ApiParam({ name: 'id', type: String, description: "The company's id (UUID) or its slug" })
  @ApiOk(CompanyProfile)
  getCompany(@Param('id') idOrSlug: string) {
    return this.companies.profile(idOrSlug);
  }

  @Patch(':id')
  @Summary("Change the company's name or description (its owner)")
  @ApiOk(CompanyProfile)
  @ApiErrors({ 403: OWNER_ONLY })
  updateCompany(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateCompanyDto,
  ) {
    return this.companies.update(user, id, dto);
  }

  @Post(':id/invitations')
  @Summary('Invite someone by email to join the company team (its owner)')
  @ApiCreated(InvitationView)
  @ApiErrors({ 403: OWNER_ONLY })
  inviteMember(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateInvitationDto,
  ) {
    return this.invitations.invite(user, id, dto.email);
  }
}
