import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../common/public.decorator';
import { Roles } from '../auth/roles.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { CreateReviewDto } from './reviews.dto';
import { ReviewsService } from './reviews.service';

@ApiTags('reviews')
@Controller('companies/:id/reviews')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Public()
  @Get()
  list(@Param('id', ParseUUIDPipe) companyId: string, @Query() query: PaginationQueryDto) {
    return this.reviews.list(companyId, query);
  }

  @Public()
  @Get('stats')
  @CachedResponse('REVIEW_STATS')
  stats(@Param('id', ParseUUIDPipe) companyId: string) {
    return this.reviews.stats(companyId);
  }

  @ApiBearerAuth()
  @Roles('CUSTOMER')
  @Post()
  create(
    @CurrentUser() customer: AuthUser,
    @Param('id', ParseUUIDPipe) companyId: string,
    @Body() dto: CreateReviewDto,
  ) {
    return this.reviews.create(customer, companyId, dto);
  }
}
