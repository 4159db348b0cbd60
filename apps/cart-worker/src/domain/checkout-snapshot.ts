import type { CartCheckedOut } from '@saga/contracts';
import type { Checkout } from './checkout.entity';

/** The cart and items a checkout took; throws for a tombstone, which took none. */
export function snapshotOf(checkout: Checkout): CartCheckedOut {
  // The table's CHECKs give every checkout but a tombstone a cart and items; this only narrows the type.
  if (checkout.cartId === null || checkout.items === null) {
    throw new Error(`checkout of order ${checkout.orderId} is ${checkout.status} without a snapshot`);
  }
  return { cartId: checkout.cartId, items: checkout.items };
}
