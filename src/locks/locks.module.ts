import { Global, Module } from '@nestjs/common';
import { LockService } from './lock.service';

/** Distributed locks (Redlock), for every module of the API and the worker. */
@Global()
@Module({
  providers: [LockService],
  exports: [LockService],
})
export class LocksModule {}
