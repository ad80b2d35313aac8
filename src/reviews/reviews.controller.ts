import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../common/public.decorator';
import { Roles } from '../auth/roles.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { ApiCreated, ApiErrors, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { CreateReviewDto, ReviewPage, ReviewStats, ReviewView } from './reviews.dto';
import { ReviewsService } from './reviews.service';

@ApiTags('reviews')
@Controller('companies/:id/reviews')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Public()
  @Get()
  @Summary("A company's reviews, newest first")
  @ApiOk(ReviewPage)
  listReviews(@Param('id', ParseUUIDPipe) companyId: string, @Query() query: PaginationQueryDto) {
    return this.reviews.list(companyId, query);
  }

  @Public()
  @Get('stats')
  @CachedResponse('REVIEW_STATS')
  @Summary("A company's review count, average and rating distribution")
  @ApiOk(ReviewStats)
  getReviewStats(@Param('id', ParseUUIDPipe) companyId: string) {
    return this.reviews.stats(companyId);
  }

  @Roles('CUSTOMER')
  @Post()
  @Summary('Review a company for one of your DELIVERED bookings with it (once per booking)')
  @ApiCreated(ReviewView)
  @ApiErrors({
    404: 'Company or booking not found (or not yours)',
    409: 'The booking is not DELIVERED, or was already reviewed',
  })
  createReview(
    @CurrentUser() customer: AuthUser,
    @Param('id', ParseUUIDPipe) companyId: string,
    @Body() dto: CreateReviewDto,
  ) {
    return this.reviews.create(customer, companyId, dto);
  }
}
