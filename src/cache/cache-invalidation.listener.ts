import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  BookingChangedEvent,
  CompanyChangedEvent,
  DomainEvent,
  PaymentSucceededEvent,
  ReviewCreatedEvent,
  ShipmentChangedEvent,
  UserChangedEvent,
} from '../common/domain-events';
import { CACHE_FAMILIES } from '../config';
import { CacheTagsService } from './cache-tags.service';

const { DASHBOARD, SEARCH, COMPANY, REVIEW_STATS, PROFILE } = CACHE_FAMILIES;

/**
 * Which cached responses each write affects: the tags each domain event bumps, built with the
 * families' builders (CACHE_FAMILIES in src/config). Services emit these events through
 * DomainEvents after commit and await it, so the bump is done before the writing request responds
 * and the very next read misses.
 */
@Injectable()
export class CacheInvalidationListener {
  constructor(private readonly tags: CacheTagsService) {}

  @OnEvent(DomainEvent.UserRegistered)
  onUserRegistered(): Promise<void> {
    return this.tags.bump([DASHBOARD.tags.all()]);
  }

  @OnEvent(DomainEvent.UserChanged)
  onUserChanged(event: UserChangedEvent): Promise<void> {
    return this.tags.bump([
      PROFILE.tags.ofUser(event.userId),
      DASHBOARD.tags.all(),
      ...(event.companyId ? [COMPANY.tags.byId(event.companyId)] : []),
    ]);
  }

  @OnEvent(DomainEvent.CompanyChanged)
  onCompanyChanged(event: CompanyChangedEvent): Promise<void> {
    return this.tags.bump([
      COMPANY.tags.byId(event.companyId),
      COMPANY.tags.bySlug(event.slug.toLowerCase()),
    ]);
  }

  @OnEvent(DomainEvent.ShipmentChanged)
  onShipmentChanged(event: ShipmentChangedEvent): Promise<void> {
    return this.tags.bump([
      SEARCH.tags.all(),
      DASHBOARD.tags.all(),
      COMPANY.tags.byId(event.companyId),
      PROFILE.tags.ofCompanyMembers(event.companyId),
    ]);
  }

  @OnEvent(DomainEvent.BookingChanged)
  onBookingChanged(event: BookingChangedEvent): Promise<void> {
    return this.tags.bump([
      SEARCH.tags.all(),
      DASHBOARD.tags.all(),
      COMPANY.tags.byId(event.companyId),
      PROFILE.tags.ofUser(event.customerId),
      PROFILE.tags.ofCompanyMembers(event.companyId),
    ]);
  }

  @OnEvent(DomainEvent.PaymentSucceeded)
  onPaymentSucceeded(event: PaymentSucceededEvent): Promise<void> {
    return this.tags.bump([
      DASHBOARD.tags.all(),
      PROFILE.tags.ofUser(event.customerId),
      PROFILE.tags.ofCompanyMembers(event.companyId),
    ]);
  }

  @OnEvent(DomainEvent.ReviewCreated)
  onReviewCreated(event: ReviewCreatedEvent): Promise<void> {
    return this.tags.bump([
      REVIEW_STATS.tags.ofCompany(event.companyId),
      COMPANY.tags.byId(event.companyId),
    ]);
  }
}
