import { Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiIdempotencyKey, IdempotencyKey } from './idempotency-key.decorator';
import { PaymentsService } from './payments.service';

@ApiTags('payments')
@ApiBearerAuth()
@Controller('bookings')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  /** Its customer only: for anyone else the booking does not exist (404). */
  @Post(':id/pay')
  @ApiIdempotencyKey()
  pay(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @IdempotencyKey() idempotencyKey: string,
  ) {
    return this.payments.pay(user, id, idempotencyKey);
  }
}
