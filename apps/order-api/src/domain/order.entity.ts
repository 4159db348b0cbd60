import { Column, Entity, OneToMany, PrimaryColumn, type Relation } from 'typeorm';
import { minorUnits } from '@saga/persistence';
import type { OrderStatus } from './order-status';
import { OrderLine } from './order-line.entity';

/** A shopper's order as the shopper sees it; the saga moves it from PENDING to COMPLETED or FAILED. */
@Entity({ name: 'orders' })
export class Order {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ type: 'text' })
  status: OrderStatus;

  @Column({ type: 'text' })
  source: 'items' | 'cart';

  @Column({ name: 'payment_method', type: 'text' })
  paymentMethod: 'card' | 'wallet';

  @Column({ type: 'bigint', nullable: true, transformer: minorUnits })
  total: number | null;

  @Column({ type: 'text', nullable: true })
  currency: string | null;

  @Column({ name: 'failure_code', type: 'text', nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  /** Set while the order's saga has stalled and waits for a person; cleared when it resumes. */
  @Column({ name: 'attention_reason', type: 'text', nullable: true })
  attentionReason: string | null;

  @Column({ name: 'attention_since', type: 'timestamptz', nullable: true })
  attentionSince: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @OneToMany(() => OrderLine, (line) => line.order)
  lines: Relation<OrderLine>[];
}
