import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiCreated, ApiErrors, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { BookingPage, BookingView } from './booking.view';
import { BookingsService } from './bookings.service';
import { CreateBookingDto, ListBookingsQueryDto } from './dto/booking.dto';

const TRANSITION_CONFLICT = 'The booking is not in a state that allows this';

@ApiTags('bookings')
@Controller('bookings')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post()
  @Roles('CUSTOMER')
  @RateLimit('BOOKING')
  @Summary('Book capacity on a shipment (customers); starts PENDING')
  @ApiCreated(BookingView)
  @ApiErrors({ 404: 'Shipment not found', 409: 'Not enough capacity left on the shipment' })
  createBooking(@CurrentUser() user: AuthUser, @Body() dto: CreateBookingDto) {
    return this.bookings.create(user, dto);
  }

  @Get()
  @Summary("The user's bookings: a customer's own, or their company's")
  @ApiOk(BookingPage)
  listBookings(@CurrentUser() user: AuthUser, @Query() query: ListBookingsQueryDto) {
    return this.bookings.list(user, query);
  }

  @Get(':id')
  @Summary('A booking (its customer or company)')
  @ApiOk(BookingView)
  getBooking(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.findOne(user, id);
  }

  @Post(':id/accept')
  @Roles('COMPANY')
  @Summary("Accept a PENDING booking (the shipment's company): CONFIRMED")
  @ApiOk(BookingView)
  @ApiErrors({ 409: TRANSITION_CONFLICT })
  acceptBooking(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.transition(user, id, 'accept');
  }

  @Post(':id/reject')
  @Roles('COMPANY')
  @Summary("Reject a PENDING booking (the shipment's company): REJECTED, capacity freed")
  @ApiOk(BookingView)
  @ApiErrors({ 409: TRANSITION_CONFLICT })
  rejectBooking(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.transition(user, id, 'reject');
  }

  @Post(':id/deliver')
  @Roles('COMPANY')
  @Summary("Mark a CONFIRMED booking delivered (the shipment's company)")
  @ApiOk(BookingView)
  @ApiErrors({ 409: TRANSITION_CONFLICT })
  deliverBooking(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.transition(user, id, 'deliver');
  }

  @Post(':id/cancel')
  @Roles('CUSTOMER', 'COMPANY')
  @Summary('Cancel a PENDING or CONFIRMED booking (its customer or company); capacity freed')
  @ApiOk(BookingView)
  @ApiErrors({ 409: TRANSITION_CONFLICT })
  cancelBooking(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.bookings.transition(user, id, 'cancel');
  }
}
