import { ApiProperty } from '@nestjs/swagger';
import { CountProperty, IdProperty } from '../common/openapi/api-property';
import { ErrorResponse } from '../common/openapi/error-response.dto';
import * as schema from '../database/schema';

export class PaymentView {
  @IdProperty()
  paymentId: string;

  @ApiProperty({ enum: schema.paymentStatus.enumValues })
  status: (typeof schema.paymentStatus.enumValues)[number];

  @CountProperty()
  amountCents: number;
}

/** 402: the provider declined the charge; the same Idempotency-Key replays this answer. */
export class PaymentDeclinedResponse extends ErrorResponse {
  @IdProperty()
  paymentId: string;

  @ApiProperty({ enum: ['FAILED'] })
  status: 'FAILED';

  @CountProperty()
  amountCents: number;
}
