import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiCreated, ApiErrors, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { CampaignsService } from './campaigns.service';
import { CampaignDto, CreateCampaignDto } from './dto/campaign.dto';

@ApiTags('admin')
@Roles('ADMIN')
@Controller('admin/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  /** Sent at `scheduledAt` (absent = now) by a worker; answers at once, never waits for sending. */
  @Post()
  @Summary('Schedule a marketing email campaign (sent by a worker at scheduledAt, absent = now)')
  @ApiCreated(CampaignDto)
  createCampaign(
    @Body() dto: CreateCampaignDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CampaignDto> {
    return this.campaigns.create(dto, user.id);
  }

  @Get(':id')
  @Summary('A campaign and its sending progress')
  @ApiOk(CampaignDto)
  getCampaign(@Param('id', ParseUUIDPipe) id: string): Promise<CampaignDto> {
    return this.campaigns.get(id);
  }

  /** 409 once sending has started (or it already ended). */
  @Post(':id/cancel')
  @Summary('Cancel a campaign that has not started sending')
  @ApiOk(CampaignDto)
  @ApiErrors({ 409: 'Sending has already started, or the campaign has ended' })
  cancelCampaign(@Param('id', ParseUUIDPipe) id: string): Promise<CampaignDto> {
    return this.campaigns.cancel(id);
  }
}
