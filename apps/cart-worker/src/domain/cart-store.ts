import { randomUUID } from 'node:crypto';
import type { OrderItem } from '@saga/contracts';
import { lockUntilCommit } from '@saga/persistence';
import type { EntityManager } from 'typeorm';
import { CartItem } from './cart-item.entity';
import { CartStatus, CheckoutStatus } from './cart-status';
import { Cart } from './cart.entity';
import { Checkout } from './checkout.entity';

/**
 * Serialises, until the transaction ends, every command about one order: a checkout and a release
 * for the same order may arrive at once (a retry racing its compensation), and only one may decide.
 */
export async function lockOrder(manager: EntityManager, orderId: string): Promise<void> {
  await lockUntilCommit(manager, `cart-order:${orderId}`);
}

/** The shopper's cart, row-locked until the transaction ends, or null if they never had one. */
export function findCartForUpdate(manager: EntityManager, userId: string): Promise<Cart | null> {
  return manager
    .getRepository(Cart)
    .createQueryBuilder('cart')
    .setLock('pessimistic_write')
    .where('cart.user_id = :userId', { userId })
    .getOne();
}

/** The shopper's cart, created empty and OPEN if they had none, row-locked until the transaction ends. */
export async function openCartForUpdate(manager: EntityManager, userId: string): Promise<Cart> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(Cart)
    .values({
      id: randomUUID(),
      userId,
      status: CartStatus.Open,
      lockedByOrder: null,
      version: 1,
      updatedAt: () => 'now()',
    })
    .orIgnore()
    .execute();
  const cart = await findCartForUpdate(manager, userId);
  if (!cart) throw new Error(`cart of ${userId} vanished right after it was created`);
  return cart;
}

/** The cart's shopper, or null, without locking: for reads. */
export function findCart(manager: EntityManager, userId: string): Promise<Cart | null> {
  return manager.getRepository(Cart).findOneBy({ userId });
}

/** The cart's lines, oldest first. */
export async function itemsOf(manager: EntityManager, cartId: string): Promise<OrderItem[]> {
  const items = await manager.getRepository(CartItem).find({
    where: { cartId },
    order: { addedAt: 'ASC', productId: 'ASC' },
  });
  return items.map(({ productId, quantity }) => ({ productId, quantity }));
}

/** Marks a change to the cart (its items or its lock). */
export async function touchCart(manager: EntityManager, cartId: string): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(Cart)
    .set({ version: () => 'version + 1', updatedAt: () => 'now()' })
    .where('id = :cartId', { cartId })
    .execute();
}

/** Locks an OPEN cart for the order; its checkout row must exist already (carts reference it). */
export async function lockCart(manager: EntityManager, cartId: string, orderId: string): Promise<void> {
  const result = await manager
    .createQueryBuilder()
    .update(Cart)
    .set({ status: CartStatus.Locked, lockedByOrder: orderId, version: () => 'version + 1', updatedAt: () => 'now()' })
    .where('id = :cartId AND status = :open', { cartId, open: CartStatus.Open })
    .execute();
  if (result.affected !== 1) throw new Error(`cart ${cartId} could not be locked for order ${orderId}: it is not OPEN`);
}

/** Unlocks a cart the order holds, so its shopper may edit it again. */
export async function unlockCart(manager: EntityManager, cartId: string, orderId: string): Promise<void> {
  const result = await manager
    .createQueryBuilder()
    .update(Cart)
    .set({ status: CartStatus.Open, lockedByOrder: null, version: () => 'version + 1', updatedAt: () => 'now()' })
    .where('id = :cartId AND locked_by_order = :orderId', { cartId, orderId })
    .execute();
  if (result.affected !== 1) throw new Error(`cart ${cartId} is not locked by order ${orderId}`);
}

/** Removes every line of the cart. */
export async function deleteItems(manager: EntityManager, cartId: string): Promise<void> {
  await manager.getRepository(CartItem).delete({ cartId });
}

/** The order's checkout (or tombstone), row-locked until the transaction ends, or null if none. */
export function findCheckoutForUpdate(manager: EntityManager, orderId: string): Promise<Checkout | null> {
  return manager
    .getRepository(Checkout)
    .createQueryBuilder('checkout')
    .setLock('pessimistic_write')
    .where('checkout.order_id = :orderId', { orderId })
    .getOne();
}

/** Records that the order locked the cart and which items it took. */
export async function insertLockedCheckout(
  manager: EntityManager,
  checkout: { orderId: string; userId: string; cartId: string; items: OrderItem[] },
): Promise<void> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(Checkout)
    .values({ ...checkout, status: CheckoutStatus.Locked, createdAt: () => 'now()', updatedAt: () => 'now()' })
    .execute();
}

/** Records a release that came before any checkout, so a late checkout for the order is refused. */
export async function insertTombstone(manager: EntityManager, orderId: string, userId: string): Promise<void> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(Checkout)
    .values({
      orderId,
      userId,
      cartId: null,
      items: null,
      status: CheckoutStatus.Released,
      createdAt: () => 'now()',
      updatedAt: () => 'now()',
    })
    .execute();
}

/** Moves a LOCKED checkout to where the order ended with the cart. */
export async function finishCheckout(
  manager: EntityManager,
  orderId: string,
  status: typeof CheckoutStatus.Released | typeof CheckoutStatus.Cleared,
): Promise<void> {
  const result = await manager
    .createQueryBuilder()
    .update(Checkout)
    .set({ status, updatedAt: () => 'now()' })
    .where('order_id = :orderId AND status = :locked', { orderId, locked: CheckoutStatus.Locked })
    .execute();
  if (result.affected !== 1) throw new Error(`checkout of order ${orderId} is not LOCKED`);
}
