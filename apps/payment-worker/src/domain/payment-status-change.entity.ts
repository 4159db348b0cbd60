import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PaymentStatus } from './payment-codes';

/** One append-only record per status a payment took, with what caused it (a command or a webhook). */
@Entity({ name: 'payment_status_history' })
export class PaymentStatusChange {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId: string;

  @Column({ type: 'text' })
  status: PaymentStatus;

  @Column({ name: 'cause_kind', type: 'text' })
  causeKind: 'command' | 'webhook';

  @Column({ name: 'cause_id', type: 'text' })
  causeId: string;

  @Column({ name: 'cause_type', type: 'text' })
  causeType: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
