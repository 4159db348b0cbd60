import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CartStatus } from './cart-status';

/** A shopper's one cart; LOCKED (naming the order) while an order placed from it is in flight. */
@Entity({ name: 'carts' })
export class Cart {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ type: 'text' })
  status: CartStatus;

  @Column({ name: 'locked_by_order', type: 'uuid', nullable: true })
  lockedByOrder: string | null;

  /** Bumped by every change to the cart or its items. */
  @Column({ type: 'int' })
  version: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
