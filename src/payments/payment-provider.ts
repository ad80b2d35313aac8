/** Injection token of the PaymentProvider. */
export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');

export interface ChargeRequest {
  /**
   * Passed on to the provider, which (like real card processors) treats two requests with one
   * key as one charge: a retry after a lost response cannot charge twice.
   */
  idempotencyKey: string;
  amountCents: number;
  /** What is paid for (the booking id), shown on the provider's side. */
  reference: string;
}

export type ChargeResult =
  | { status: 'SUCCEEDED'; providerRef: string }
  | { status: 'FAILED'; providerRef: string; failureReason: string };

/**
 * The boundary to whoever moves the money. A decline is a result (FAILED), not an exception;
 * a thrown error means the provider could not be reached and nothing is known to be charged.
 */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
}
