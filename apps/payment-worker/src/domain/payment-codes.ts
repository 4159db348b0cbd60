/** Where a payment stands; a payment only moves AUTHORIZED -> CAPTURED or AUTHORIZED -> VOIDED. */
export const PaymentStatus = {
  Authorized: 'AUTHORIZED',
  Captured: 'CAPTURED',
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
} as const;
export type LedgerKind = (typeof LedgerKind)[keyof typeof LedgerKind];

/** Who holds and moves the money of a payment. */
export const ProviderName = {
  Wallet: 'wallet',
  TestCard: 'test-card',
} as const;
export type ProviderName = (typeof ProviderName)[keyof typeof ProviderName];
