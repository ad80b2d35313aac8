import { Module } from '@nestjs/common';
import { QueueConnectionModule } from '../queues/queue-connection.module';
import { DrainState } from './drain-state';
import { ReadinessService } from './readiness.service';

/** Liveness/readiness for both processes: the API's controller and the worker's health port. */
@Module({
  imports: [QueueConnectionModule],
  providers: [DrainState, ReadinessService],
  exports: [DrainState, ReadinessService],
})
export class HealthProbesModule {}
