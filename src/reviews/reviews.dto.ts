import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class CreateReviewDto {
  @ApiProperty({ format: 'uuid', description: 'a DELIVERED booking of yours with this company' })
  @IsUUID('all', { message: 'bookingId must be a UUID' })
  bookingId: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5, example: 5 })
  @IsInt({ message: 'rating must be an integer from 1 to 5' })
  @Min(1, { message: 'rating must be an integer from 1 to 5' })
  @Max(5, { message: 'rating must be an integer from 1 to 5' })
  rating: number;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true, type: String })
  @IsOptional()
  @IsString({ message: 'comment must be a string' })
  @MaxLength(2000, { message: 'comment must be at most 2000 characters' })
  comment?: string | null;
}

export interface ReviewView {
  id: string;
  bookingId: string;
  companyId: string;
  rating: number;
  comment: string | null;
  createdAt: string;
  customer: { id: string; name: string };
}

export interface ReviewStats {
  count: number;
  average: number;
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
}
