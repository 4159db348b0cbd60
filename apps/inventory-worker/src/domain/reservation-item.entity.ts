import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnits } from '@saga/persistence';

/** One product held by a reservation, with the name and price it was sold at. */
@Entity({ name: 'reservation_items' })
export class ReservationItem {
  @PrimaryColumn({ name: 'reservation_id', type: 'uuid' })
  reservationId: string;

  @PrimaryColumn({ name: 'product_id', type: 'uuid' })
  productId: string;

  @Column({ type: 'int' })
  quantity: number;

  /** Price in cents when the stock was reserved; later price changes do not touch it. */
  @Column({ name: 'unit_price', type: 'bigint', transformer: minorUnits })
  unitPrice: number;

  @Column({ type: 'text' })
  name: string;
}
