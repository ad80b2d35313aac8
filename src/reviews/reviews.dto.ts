import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { CountProperty, DateTimeProperty, IdProperty } from '../common/openapi/api-property';
import { PageOf } from '../common/pagination.dto';

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

export class ReviewAuthor {
  @IdProperty()
  id: string;

  @ApiProperty()
  name: string;
}

export class ReviewView {
  @IdProperty()
  id: string;

  @IdProperty()
  bookingId: string;

  @IdProperty()
  companyId: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 })
  rating: number;

  @ApiProperty({ type: String, nullable: true })
  comment: string | null;

  @DateTimeProperty()
  createdAt: string;

  @ApiProperty({ type: ReviewAuthor })
  customer: ReviewAuthor;
}

export class ReviewPage extends PageOf(ReviewView) {}

/** How many reviews gave each rating. */
export class RatingDistribution {
  @CountProperty() '1': number;
  @CountProperty() '2': number;
  @CountProperty() '3': number;
  @CountProperty() '4': number;
  @CountProperty() '5': number;
}

export class ReviewStats {
  @CountProperty()
  count: number;

  @ApiProperty({ minimum: 0, maximum: 5, description: '2 decimals; 0 without reviews' })
  average: number;

  @ApiProperty({ type: RatingDistribution })
  distribution: RatingDistribution;
}
