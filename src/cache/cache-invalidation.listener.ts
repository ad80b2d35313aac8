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
import { CacheTagsService } from './cache-tags.service';

/**
 * Which cached responses each write affects. Services emit these events through DomainEvents
 * after commit and await it, so the bump is done before the writing request responds and the very
 * next read misses.
 */
@Injectable()
export class CacheInvalidationListener {
  constructor(private readonly tags: CacheTagsService) {}

  @OnEvent(DomainEvent.UserRegistered)
  onUserRegistered(): Promise<void> {
    return this.tags.bump(['dashboard']);
  }

  @OnEvent(DomainEvent.UserChanged)
  onUserChanged(event: UserChangedEvent): Promise<void> {
    return this.tags.bump([
      `profile:${event.userId}`,
      'dashboard',
      ...(event.companyId ? [`company:${event.companyId}`] : []),
    ]);
  }

  @OnEvent(DomainEvent.CompanyChanged)
  onCompanyChanged(event: CompanyChangedEvent): Promise<void> {
    return this.tags.bump([
      `company:${event.companyId}`,
      `company-slug:${event.slug.toLowerCase()}`,
    ]);
  }

  @OnEvent(DomainEvent.ShipmentChanged)
  onShipmentChanged(event: ShipmentChangedEvent): Promise<void> {
    return this.tags.bump([
      'search',
      'dashboard',
      `company:${event.companyId}`,
      `company-profiles:${event.companyId}`,
    ]);
  }

  @OnEvent(DomainEvent.BookingChanged)
  onBookingChanged(event: BookingChangedEvent): Promise<void> {
    return this.tags.bump([
      'search',
      'dashboard',
      `company:${event.companyId}`,
      `profile:${event.customerId}`,
      `company-profiles:${event.companyId}`,
    ]);
  }

  @OnEvent(DomainEvent.PaymentSucceeded)
  onPaymentSucceeded(event: PaymentSucceededEvent): Promise<void> {
    return this.tags.bump([
      'dashboard',
      `profile:${event.customerId}`,
      `company-profiles:${event.companyId}`,
    ]);
  }

  @OnEvent(DomainEvent.ReviewCreated)
  onReviewCreated(event: ReviewCreatedEvent): Promise<void> {
    return this.tags.bump([`reviews:${event.companyId}`, `company:${event.companyId}`]);
  }
}
