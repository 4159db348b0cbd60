import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { minorUnits } from '@saga/persistence';
import { Order } from './order.entity';

/** One product of an order; name and price are filled in once inventory has priced the order. */
@Entity({ name: 'order_lines' })
export class OrderLine {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @PrimaryColumn({ name: 'product_id', type: 'uuid' })
  productId: string;

  @Column({ type: 'int' })
  quantity: number;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  /** How many of this line refunds have taken, requested or done; never more than quantity. */
  @Column({ name: 'refunded_quantity', type: 'int', default: 0 })
  refundedQuantity: number;

  @Column({ name: 'unit_price', type: 'bigint', nullable: true, transformer: minorUnits })
  unitPrice: number | null;

  @ManyToOne(() => Order, (order) => order.lines)
  @JoinColumn({ name: 'order_id' })
  order: Relation<Order>;
}
