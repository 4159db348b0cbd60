/**
 * Where a payment stands. A card authorization is AUTHORIZING from the moment its intent is recorded
 * until the provider's answer is; one that needs the shopper (3-D Secure) is REQUIRES_ACTION until the
 * provider's webhook says how it ended. From AUTHORIZED a payment is CAPTURED or VOIDED, once; a
 * captured payment is refunded in part or in full, refund by refund.
 */
export const PaymentStatus = {
  Authorizing: 'AUTHORIZING',
  RequiresAction: 'REQUIRES_ACTION',
  Authorized: 'AUTHORIZED',
  Captured: 'CAPTURED',
  /** Captured, and some of it given back. */
  PartiallyRefunded: 'PARTIALLY_REFUNDED',
  /** Captured, and all of it given back. */
  Refunded: 'REFUNDED',
  Voided: 'VOIDED',
  Declined: 'DECLINED',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

/** The kind of a payment ledger entry: one per money movement (or refusal) of a payment. */
export const LedgerKind = {
  Authorize: 'authorize',
  Capture: 'capture',
  Void: 'void',
  Decline: 'decline',
  Refund: 'refund',
} as const;
export type LedgerKind = (typeof LedgerKind)[keyof typeof LedgerKind];

/** Who holds and moves the money of a payment. */
export const ProviderName = {
  Wallet: 'wallet',
  TestCard: 'test-card',
  Stripe: 'stripe',
} as const;
export type ProviderName = (typeof ProviderName)[keyof typeof ProviderName];

/** What made a payment change: a command of the saga, or an event the provider sent (a webhook). */
export interface PaymentCause {
  readonly kind: 'command' | 'webhook';
  /** The command's message id, or the provider's event id. */
  readonly id: string;
  /** The command's type (payment.authorize), or the event's (payment_intent.canceled). */
  readonly type: string;
}
