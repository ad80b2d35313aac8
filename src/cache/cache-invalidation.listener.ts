import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { cacheInvalidatingEvents, cacheTagsInvalidatedBy } from '../config';
import type { DomainEventMap } from '../events/domain-events';
import { CacheTagsService } from './cache-tags.service';

/**
 * Bumps, after each domain event, the tags that CACHE_FAMILIES (src/config/cache-families.ts)
 * says it invalidates: which events invalidate which tags is declared there, beside each family's
 * tags, and nowhere else. Services emit these events through DomainEvents after commit and await
 * it, so the bump is done before the writing request responds and the very next read misses.
 * A bump never throws (CacheTagsService retries a failed one itself).
 */
@Injectable()
export class CacheInvalidationListener implements OnModuleInit {
  constructor(
    private readonly tags: CacheTagsService,
    private readonly emitter: EventEmitter2,
  ) {}

  onModuleInit(): void {
    for (const event of cacheInvalidatingEvents()) {
      // Returns the bump's promise on purpose: DomainEvents' emitAsync awaits it.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      this.emitter.on(event, (payload: DomainEventMap[typeof event]) =>
        this.tags.bump(cacheTagsInvalidatedBy(event, payload)),
      );
    }
  }
}
