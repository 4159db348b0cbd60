import type { OrderItem } from '@saga/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CheckoutStatus } from './cart-status';

/**
 * One order's use of a cart, with the items it took. A RELEASED row without a cart or items is a
 * tombstone: the order was released before it ever checked out, so its late checkout is refused.
 */
@Entity({ name: 'checkouts' })
export class Checkout {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  /** Null only on a tombstone. */
  @Column({ name: 'cart_id', type: 'uuid', nullable: true })
  cartId: string | null;

  @Column({ type: 'text' })
  status: CheckoutStatus;

  /** The cart's items when the order locked it; null only on a tombstone. */
  @Column({ type: 'jsonb', nullable: true })
  items: OrderItem[] | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
