import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { StockMovementKind } from './stock-movement';

/** One stock movement of one product, appended when it happens and never changed. */
@Entity({ name: 'stock_ledger' })
export class StockLedgerEntry {
  /** bigserial: TypeORM returns bigint columns as strings. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'product_id', type: 'uuid' })
  productId: string;

  /** The order the movement was for; null for a restock. */
  @Column({ name: 'order_id', type: 'uuid', nullable: true })
  orderId: string | null;

  @Column({ type: 'text' })
  kind: StockMovementKind;

  @Column({ type: 'int' })
  quantity: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
