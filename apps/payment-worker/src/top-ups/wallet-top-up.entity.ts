import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Currency, FailureCode, PaymentMethod } from '@saga/contracts';
import { minorUnits } from '@saga/persistence';
import type { ProviderName } from '../domain/payment-codes';

/** Where a top-up stands: PENDING from its intent until the card's answer is recorded. */
export const TopUpStatus = { Pending: 'PENDING', Succeeded: 'SUCCEEDED', Declined: 'DECLINED' } as const;
export type TopUpStatus = (typeof TopUpStatus)[keyof typeof TopUpStatus];

/** Money a shopper pays into their wallet by card, once per Idempotency-Key. */
@Entity({ name: 'wallet_top_ups' })
export class WalletTopUp {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  @Column({ type: 'bigint', transformer: minorUnits })
  amount: number;

  @Column({ type: 'text' })
  currency: Currency;

  @Column({ type: 'text' })
  provider: ProviderName;

  @Column({ type: 'text' })
  status: TopUpStatus;

  /** The card's token while PENDING: a resumed top-up calls the provider with it again. */
  @Column({ name: 'payment_method', type: 'jsonb', nullable: true })
  paymentMethod: PaymentMethod | null;

  @Column({ name: 'provider_ref', type: 'text', nullable: true })
  providerRef: string | null;

  @Column({ name: 'failure_code', type: 'text', nullable: true })
  failureCode: FailureCode | null;

  @Column({ name: 'failure_message', type: 'text', nullable: true })
  failureMessage: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
