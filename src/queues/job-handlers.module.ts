import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobHandlers } from './job-handlers';

/** Imported by the modules whose processors dispatch to @HandlesJob providers (worker side). */
@Module({
  imports: [DiscoveryModule],
  providers: [JobHandlers],
  exports: [JobHandlers],
})
export class JobHandlersModule {}
