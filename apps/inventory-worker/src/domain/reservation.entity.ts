import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '@saga/persistence';

/** Where an order's reservation stands; RELEASED without items is a tombstone. */
export const ReservationStatus = {
  Active: 'ACTIVE',
  Released: 'RELEASED',
  Committed: 'COMMITTED',
} as const;
export type ReservationStatus = (typeof ReservationStatus)[keyof typeof ReservationStatus];

/**
 * The stock one order holds, at most one per order. A release that arrives before any reserve
 * leaves a RELEASED reservation without items (a tombstone), so the late reserve is refused.
 */
@Entity({ name: 'reservations' })
export class Reservation {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid', unique: true })
  orderId: string;

  @Column({ type: 'text' })
  status: ReservationStatus;

  /** What the reserved items cost, in cents. */
  @Column({ type: 'bigint', transformer: minorUnits })
  total: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
