import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnits } from '@saga/persistence';
import type { LedgerKind } from './payment-codes';

/** One append-only record of what happened to a payment's money: authorized, captured, voided or declined. */
@Entity({ name: 'payment_ledger' })
export class PaymentLedgerEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ type: 'text' })
  kind: LedgerKind;

  @Column({ type: 'bigint', transformer: minorUnits })
  amount: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
