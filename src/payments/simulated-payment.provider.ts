import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChargeRequest, ChargeResult, PaymentProvider } from './payment-provider';

export interface SimulatedCharge extends ChargeRequest {
  providerRef: string;
  at: Date;
}

/**
 * The built-in provider: no money moves. Deterministic (the provider reference is derived from
 * the idempotency key) and observable: `charges` lists every charge it made, `declines` every
 * charge it refused, so tests count real charges. Tests can make it decline or be slow.
 */
@Injectable()
export class SimulatedPaymentProvider implements PaymentProvider {
  readonly charges: SimulatedCharge[] = [];
  readonly declines: SimulatedCharge[] = [];
  private declinesLeft = 0;
  private declineReason = 'card_declined';
  private latencyMs = 0;

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const providerRef = `sim_${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 24)}`;
    const record = { ...request, providerRef, at: new Date() };
    if (this.declinesLeft > 0) {
      this.declinesLeft--;
      this.declines.push(record);
      return { status: 'FAILED', providerRef, failureReason: this.declineReason };
    }
    this.charges.push(record);
    return { status: 'SUCCEEDED', providerRef };
  }

  /** The next `count` charges are declined with `reason`. */
  failNextCharges(count: number, reason = 'card_declined'): void {
    this.declinesLeft = count;
    this.declineReason = reason;
  }

  /** Every charge takes this long (0 = immediate). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  reset(): void {
    this.charges.length = 0;
    this.declines.length = 0;
    this.declinesLeft = 0;
    this.latencyMs = 0;
  }
}
