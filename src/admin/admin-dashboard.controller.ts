import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { DashboardStats, DashboardStatsQueryDto, DashboardSummary } from './admin-dashboard.dto';
import { AdminDashboardService } from './admin-dashboard.service';

@ApiTags('admin')
@Roles('ADMIN')
@Controller('admin/dashboard')
export class AdminDashboardController {
  constructor(private readonly dashboard: AdminDashboardService) {}

  @Get('summary')
  @CachedResponse('DASHBOARD')
  @Summary('Platform totals: users, companies, shipments, bookings by status, revenue')
  @ApiOk(DashboardSummary)
  getDashboardSummary() {
    return this.dashboard.summary();
  }

  @Get('stats')
  @CachedResponse('DASHBOARD', { query: { days: '30' } })
  @Summary('Bookings, revenue and new users per UTC day, oldest first')
  @ApiOk(DashboardStats)
  getDashboardStats(@Query() query: DashboardStatsQueryDto) {
    return this.dashboard.stats(query.days);
  }
}
