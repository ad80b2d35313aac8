import type { Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class PaginationQueryDto {
  @ApiPropertyOptional({ type: 'integer', default: 1, minimum: 1, maximum: 1_000_000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  // Bounded so that (page - 1) × limit stays a plain integer: page=1e20 made an OFFSET
  // PostgreSQL cannot parse (a 500).
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

export function offsetOf(query: PaginationQueryDto): number {
  return (query.page - 1) * query.limit;
}

/**
 * The documented class of a page of `item`s: `class BookingPage extends PageOf(BookingView) {}`
 * (the subclass gives the schema its name).
 */
export function PageOf<T>(item: Class<T>): Class<Page<T>> {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: [item] })
    items: T[];

    @ApiProperty({ type: 'integer', minimum: 0, description: 'Items in all pages' })
    total: number;

    @ApiProperty({ type: 'integer', minimum: 1 })
    page: number;

    @ApiProperty({ type: 'integer', minimum: 1, maximum: 100 })
    limit: number;
  }
  return PageOfItems;
}
