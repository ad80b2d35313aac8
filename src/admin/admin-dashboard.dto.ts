import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CountProperty } from '../common/openapi/api-property';

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

/** Bookings per status, every status present. */
export class BookingsByStatus {
  @CountProperty() PENDING: number;
  @CountProperty() CONFIRMED: number;
  @CountProperty() REJECTED: number;
  @CountProperty() CANCELLED: number;
  @CountProperty() DELIVERED: number;
}

export class DashboardBookings {
  @ApiProperty({ type: BookingsByStatus })
  byStatus: BookingsByStatus;
}

export class DashboardSummary {
  @CountProperty() users: number;
  @CountProperty() companies: number;
  @CountProperty() shipments: number;
  @ApiProperty({ type: DashboardBookings }) bookings: DashboardBookings;
  @CountProperty({ description: 'Sum of succeeded payments' }) revenueCents: number;
}

export class DashboardDay {
  @ApiProperty({ format: 'date', description: 'UTC calendar day', example: '2030-01-31' })
  date: string;

  @CountProperty() bookings: number;
  @CountProperty() revenueCents: number;
  @CountProperty() newUsers: number;
}

export class DashboardStats {
  @ApiProperty({
    type: [DashboardDay],
    minItems: 1,
    maxItems: 365,
    description: 'Exactly `days` entries, oldest first, the last one today (UTC)',
  })
  days: DashboardDay[];
}
