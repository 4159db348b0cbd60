import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '@saga/persistence';
import type { Currency, Failure, FailureCode, PaymentMethod } from '@saga/contracts';
import type { ReplyAddress } from '@saga/participant';
import type { PaymentStatus, ProviderName } from './payment-codes';

/**
 * The one payment of an order. A VOIDED row without a provider is a tombstone: the order was voided
 * before anything was authorized, so a late authorization is refused.
 */
@Entity({ name: 'payments' })
export class Payment {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'user_id', type: 'text', nullable: true })
  userId: string | null;

  @Column({ type: 'text', nullable: true })
  provider: ProviderName | null;

  /** The provider's own id for the authorization (a hold id, a payment intent id). */
  @Column({ name: 'provider_ref', type: 'text', nullable: true })
  providerRef: string | null;

  @Column({ type: 'bigint', transformer: minorUnits })
  amount: number;

  @Column({ type: 'text' })
  currency: Currency;

  /** How much of a captured amount refunds have given back or are giving back; never more than amount. */
  @Column({ type: 'bigint', transformer: minorUnits, default: 0 })
  refunded: number;

  @Column({ type: 'text' })
  status: PaymentStatus;

  @Column({ name: 'failure_code', type: 'text', nullable: true })
  failureCode: FailureCode | null;

  @Column({ name: 'failure_message', type: 'text', nullable: true })
  failureMessage: string | null;

  /** The card's token while the authorization is AUTHORIZING: a retry calls the provider with it again. */
  @Column({ name: 'payment_method', type: 'jsonb', nullable: true })
  paymentMethod: PaymentMethod | null;

  /** What the shopper must do while REQUIRES_ACTION (the 3-D Secure page), as the provider said. */
  @Column({ name: 'next_action', type: 'text', nullable: true })
  nextAction: string | null;

  /** While REQUIRES_ACTION: the authorize command the provider's webhook will answer. */
  @Column({ name: 'awaiting_reply', type: 'jsonb', nullable: true })
  awaitingReply: ReplyAddress | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** A payment that went through a provider, as opposed to a tombstone. */
export type ProviderPayment = Payment & { provider: ProviderName; userId: string };

/** Narrows a payment to one that went through a provider; a tombstone here is a bug. */
export function asProviderPayment(payment: Payment): ProviderPayment {
  if (payment.provider === null || payment.userId === null) {
    throw new Error(`payment ${payment.id} of order ${payment.orderId} is a tombstone, not a provider payment`);
  }
  return payment as ProviderPayment;
}

/** The failure a declined payment was answered with, to answer a retry the same way. */
export function recordedFailure(payment: Payment): Failure {
  if (payment.failureCode === null || payment.failureMessage === null) {
    throw new Error(`payment ${payment.id} of order ${payment.orderId} has no recorded failure`);
  }
  return { code: payment.failureCode, message: payment.failureMessage };
}
