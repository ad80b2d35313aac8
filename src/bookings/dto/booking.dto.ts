import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNumber, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { PaginationQueryDto } from '../../common/pagination.dto';
import { MaxDecimals } from '../../common/validators/max-decimals.validator';
import { KG_DECIMALS, MAX_CAPACITY_KG } from '../../shipments/dto/shipment.dto';

const WEIGHT_NUMBER = {
  message: 'weightKg must be a number of kilograms with at most 3 decimals',
};

export const BOOKING_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'REJECTED',
  'CANCELLED',
  'DELIVERED',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export class CreateBookingDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'shipmentId must be a UUID' })
  shipmentId: string;

  @ApiProperty({
    type: 'number',
    minimum: 0.001,
    maximum: MAX_CAPACITY_KG,
    multipleOf: 0.001,
    description: 'kilograms, at most 3 decimals',
    example: 12.5,
  })
  @IsNumber({ allowNaN: false, allowInfinity: false }, WEIGHT_NUMBER)
  @MaxDecimals(KG_DECIMALS, WEIGHT_NUMBER)
  @Min(0.001, { message: 'weightKg must be greater than 0 (at least 0.001)' })
  @Max(MAX_CAPACITY_KG, { message: `weightKg must be at most ${MAX_CAPACITY_KG}` })
  weightKg: number;

  @ApiPropertyOptional({ maxLength: 1000, nullable: true, type: String })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(1000, { message: 'description must be at most 1000 characters' })
  description?: string | null;
}

export class ListBookingsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: BOOKING_STATUSES })
  @IsOptional()
  @IsIn(BOOKING_STATUSES, { message: `status must be one of ${BOOKING_STATUSES.join(', ')}` })
  status?: BookingStatus;
}
