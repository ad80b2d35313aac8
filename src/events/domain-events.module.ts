import { Global, Module } from '@nestjs/common';
import { DomainEvents } from './domain-events';

/** Global, like the EventEmitter2 it wraps: every feature module emits domain events. */
@Global()
@Module({ providers: [DomainEvents], exports: [DomainEvents] })
export class DomainEventsModule {}
