import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { DashboardStatsQueryDto } from './admin-dashboard.dto';
import { AdminDashboardService } from './admin-dashboard.service';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/dashboard')
export class AdminDashboardController {
  constructor(private readonly dashboard: AdminDashboardService) {}

  @Get('summary')
  @CachedResponse('DASHBOARD')
  summary() {
    return this.dashboard.summary();
  }

  @Get('stats')
  @CachedResponse('DASHBOARD', { query: { days: '30' } })
  stats(@Query() query: DashboardStatsQueryDto) {
    return this.dashboard.stats(query.days);
  }
}
