import { Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiPaymentRequiredResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiCreated, ApiErrors, Summary } from '../common/openapi/api-responses.decorator';
import { ApiIdempotencyKey, IdempotencyKey } from './idempotency-key.decorator';
import { PaymentDeclinedResponse, PaymentView } from './payment.view';
import { PaymentsService } from './payments.service';

@ApiTags('payments')
@Controller('bookings')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  /** Its customer only: for anyone else the booking does not exist (404). */
  @Post(':id/pay')
  @ApiIdempotencyKey()
  @Summary(
    'Pay a CONFIRMED booking (its customer); charged at most once per booking',
    'The same Idempotency-Key always answers the same outcome (the same payment, 201).',
  )
  @ApiCreated(PaymentView, 'Paid (or the payment already made with this Idempotency-Key)')
  @ApiPaymentRequiredResponse({ description: 'Payment declined', type: PaymentDeclinedResponse })
  @ApiErrors({
    404: 'Booking not found (or not yours)',
    409: 'Booking not CONFIRMED, already paid with another key, or a payment of it is in progress',
  })
  payBooking(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @IdempotencyKey() idempotencyKey: string,
  ) {
    return this.payments.pay(user, id, idempotencyKey);
  }
}
