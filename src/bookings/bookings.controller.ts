import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Roles } from '../auth/roles.decorator';
import { RateLimit } from '../throttle/rate-limit.decorator';
import { BookingsService } from './bookings.service';
import { CreateBookingDto, ListBookingsQueryDto } from './dto/booking.dto';

@ApiTags('bookings')
@ApiBearerAuth()
@Controller('bookings')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post()
  @Roles('CUSTOMER')
  @RateLimit('BOOKING')
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateBookingDto) {
    return this.bookings.create(user, dto);
  }

  @Get()
  list(@CurrentUser() user: AuthUser, @Query() query: ListBookingsQueryDto) {
    return this.bookings.list(user, query);
  }

  @Get(':id')
  findOne(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.findOne(user, id);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @Roles('COMPANY')
  accept(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.transition(user, id, 'accept');
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('COMPANY')
  reject(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.transition(user, id, 'reject');
  }

  @Post(':id/deliver')
  @HttpCode(200)
  @Roles('COMPANY')
  deliver(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.transition(user, id, 'deliver');
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles('CUSTOMER', 'COMPANY')
  cancel(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.transition(user, id, 'cancel');
  }
}
