import type { OrderItem } from '@saga/contracts';
import type { EntityManager } from 'typeorm';
import { CartLockedError, QuantityLimitError } from './cart-errors';
import { CartItem } from './cart-item.entity';
import { CartStatus } from './cart-status';
import type { Cart } from './cart.entity';
import { findCart, itemsOf, openCartForUpdate, touchCart } from './cart-store';

// The same limit an order line has, so a cart always checks out into a valid order.
const maxQuantityPerProduct = 1000;

/** A cart as its shopper sees it. */
export interface CartView {
  readonly userId: string;
  readonly status: CartStatus;
  readonly lockedByOrder: string | null;
  readonly items: OrderItem[];
}

/** The shopper's cart; a shopper who never added anything has an empty OPEN one. */
export async function readCart(manager: EntityManager, userId: string): Promise<CartView> {
  const cart = await findCart(manager, userId);
  if (!cart) return { userId, status: CartStatus.Open, lockedByOrder: null, items: [] };
  return viewOf(manager, cart);
}

/** Puts quantity more of the product in the cart; throws CartLockedError or QuantityLimitError. */
export function addItem(manager: EntityManager, userId: string, item: OrderItem): Promise<CartView> {
  return editCart(manager, userId, async (cart) => {
    const line = await manager.getRepository(CartItem).findOneBy({ cartId: cart.id, productId: item.productId });
    await putLine(manager, cart, item.productId, (line?.quantity ?? 0) + item.quantity);
  });
}

/** Makes the cart hold exactly quantity of the product; throws CartLockedError or QuantityLimitError. */
export function setItemQuantity(manager: EntityManager, userId: string, item: OrderItem): Promise<CartView> {
  return editCart(manager, userId, (cart) => putLine(manager, cart, item.productId, item.quantity));
}

/** Takes the product out of the cart (nothing to do if it is not there); throws CartLockedError. */
export function removeItem(manager: EntityManager, userId: string, productId: string): Promise<CartView> {
  return editCart(manager, userId, async (cart) => {
    await manager.getRepository(CartItem).delete({ cartId: cart.id, productId });
  });
}

// The row lock makes an edit and a checkout of the same cart take turns: an edit lands before the
// snapshot or is refused, never slipped in after the order took the items.
async function editCart(
  manager: EntityManager,
  userId: string,
  edit: (cart: Cart) => Promise<void>,
): Promise<CartView> {
  const cart = await openCartForUpdate(manager, userId);
  if (cart.lockedByOrder !== null) throw new CartLockedError(userId, cart.lockedByOrder);
  await edit(cart);
  await touchCart(manager, cart.id);
  return viewOf(manager, cart);
}

async function putLine(manager: EntityManager, cart: Cart, productId: string, quantity: number): Promise<void> {
  if (quantity > maxQuantityPerProduct) throw new QuantityLimitError(productId, quantity, maxQuantityPerProduct);
  await manager
    .createQueryBuilder()
    .insert()
    .into(CartItem)
    .values({ cartId: cart.id, productId, quantity, addedAt: () => 'clock_timestamp()' })
    .orUpdate(['quantity'], ['cart_id', 'product_id'])
    .execute();
}

async function viewOf(manager: EntityManager, cart: Cart): Promise<CartView> {
  return {
    userId: cart.userId,
    status: cart.status,
    lockedByOrder: cart.lockedByOrder,
    items: await itemsOf(manager, cart.id),
  };
}
