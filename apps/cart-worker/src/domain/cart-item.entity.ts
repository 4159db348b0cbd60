import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How many of one product a cart holds; prices are inventory's business, set when stock is reserved. */
@Entity({ name: 'cart_items' })
export class CartItem {
  @PrimaryColumn({ name: 'cart_id', type: 'uuid' })
  cartId: string;

  @PrimaryColumn({ name: 'product_id', type: 'uuid' })
  productId: string;

  @Column({ type: 'int' })
  quantity: number;

  @Column({ name: 'added_at', type: 'timestamptz' })
  addedAt: Date;
}
