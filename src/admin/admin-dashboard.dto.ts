import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class DashboardStatsQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    default: 30,
    minimum: 1,
    maximum: 365,
    description: 'days, today last',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'days must be an integer from 1 to 365' })
  @Min(1, { message: 'days must be an integer from 1 to 365' })
  @Max(365, { message: 'days must be an integer from 1 to 365' })
  days: number = 30;
}

export type BookingStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED' | 'DELIVERED';

export interface DashboardSummary {
  users: number;
  companies: number;
  shipments: number;
  bookings: { byStatus: Record<BookingStatus, number> };
  revenueCents: number;
}

export interface DashboardDay {
  /** UTC calendar day, YYYY-MM-DD. */
  date: string;
  bookings: number;
  revenueCents: number;
  newUsers: number;
}

export interface DashboardStats {
  days: DashboardDay[];
}
