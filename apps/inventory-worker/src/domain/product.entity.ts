import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '@saga/persistence';

/**
 * A product of the catalogue with its stock split three ways: free to sell (available), held for
 * orders in flight (reserved) and gone (sold). Only stock movements change these counters.
 */
@Entity({ name: 'products' })
export class Product {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text', unique: true })
  sku: string;

  @Column({ type: 'text' })
  name: string;

  /** Unit price in cents. */
  @Column({ type: 'bigint', transformer: minorUnits })
  price: number;

  @Column({ type: 'int' })
  available: number;

  @Column({ type: 'int' })
  reserved: number;

  @Column({ type: 'int' })
  sold: number;

  /** Below this many available units the shop is told to restock; null follows the worker's default. */
  @Column({ name: 'low_stock_threshold', type: 'int', nullable: true })
  lowStockThreshold: number | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
