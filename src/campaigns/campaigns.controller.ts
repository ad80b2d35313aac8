import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Roles } from '../auth/roles.decorator';
import { CampaignsService } from './campaigns.service';
import { CampaignDto, CreateCampaignDto } from './dto/campaign.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  /** Sent at `scheduledAt` (absent = now) by a worker; answers at once, never waits for sending. */
  @Post()
  @ApiCreatedResponse({ type: CampaignDto })
  create(@Body() dto: CreateCampaignDto, @CurrentUser() user: AuthUser): Promise<CampaignDto> {
    return this.campaigns.create(dto, user.id);
  }

  @Get(':id')
  @ApiOkResponse({ type: CampaignDto })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<CampaignDto> {
    return this.campaigns.get(id);
  }

  /** 409 once sending has started (or it already ended). */
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignDto })
  cancel(@Param('id', ParseUUIDPipe) id: string): Promise<CampaignDto> {
    return this.campaigns.cancel(id);
  }
}
