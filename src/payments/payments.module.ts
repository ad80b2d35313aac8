import { Module } from '@nestjs/common';
import { PAYMENT_PROVIDER } from './payment-provider';
import { PaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';
import { SimulatedPaymentProvider } from './simulated-payment.provider';

@Module({
  controllers: [PaymentsController],
  providers: [
    PaymentsService,
    SimulatedPaymentProvider,
    // Swap for a real processor's adapter here; nothing else depends on the implementation.
    { provide: PAYMENT_PROVIDER, useExisting: SimulatedPaymentProvider },
  ],
  exports: [PaymentsService, PAYMENT_PROVIDER],
})
export class PaymentsModule {}
