import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Currency, PricedItem } from '@saga/contracts';
import { minorUnits } from '@saga/persistence';

/** Where a refund stands: REQUESTED until its saga picks it up, then PROCESSING, then REFUNDED or FAILED. */
export const RefundStatus = {
  Requested: 'REQUESTED',
  Processing: 'PROCESSING',
  Refunded: 'REFUNDED',
  Failed: 'FAILED',
} as const;
export type RefundStatus = (typeof RefundStatus)[keyof typeof RefundStatus];

/** Money given back on a completed order, for some or all of its lines. */
@Entity({ name: 'refunds' })
export class Refund {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  @Column({ type: 'text' })
  status: RefundStatus;

  /** The lines given back, at the prices they were sold at. */
  @Column({ type: 'jsonb' })
  items: PricedItem[];

  @Column({ type: 'bigint', transformer: minorUnits })
  amount: number;

  @Column({ type: 'text' })
  currency: Currency;

  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'failure_code', type: 'text', nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
