import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '@saga/persistence';

/** Where a refund of a payment stands: PENDING from its intent until the provider's answer is recorded. */
export const PaymentRefundStatus = { Pending: 'PENDING', Succeeded: 'SUCCEEDED', Failed: 'FAILED' } as const;
export type PaymentRefundStatus = (typeof PaymentRefundStatus)[keyof typeof PaymentRefundStatus];

/** Money given back on a captured payment, once per refund of the order. */
@Entity({ name: 'payment_refunds' })
export class PaymentRefund {
  @PrimaryColumn({ name: 'refund_id', type: 'uuid' })
  refundId: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ type: 'bigint', transformer: minorUnits })
  amount: number;

  @Column({ type: 'text' })
  status: PaymentRefundStatus;

  /** The provider's id for the refund (a Stripe refund id). */
  @Column({ name: 'provider_ref', type: 'text', nullable: true })
  providerRef: string | null;

  @Column({ name: 'failure_message', type: 'text', nullable: true })
  failureMessage: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
