import { randomUUID } from 'node:crypto';
import type { OrderItem } from '@saga/contracts';
import { lockUntilCommit, preparedQuery, schemaOf } from '@saga/persistence';
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
function findCartForUpdate(manager: EntityManager, userId: string): Promise<Cart | null> {
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

/** The order's checkout (or tombstone), row-locked until the transaction ends, or null if none. */
export function findCheckoutForUpdate(manager: EntityManager, orderId: string): Promise<Checkout | null> {
  return manager
    .getRepository(Checkout)
    .createQueryBuilder('checkout')
    .setLock('pessimistic_write')
    .where('checkout.order_id = :orderId', { orderId })
    .getOne();
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

/**
 * The shopper's cart row, locked until the transaction ends, or null if they never had one. Its
 * lines are read by the next statement: one that waited here for an edit sees what the edit added.
 */
export async function lockCart(
  manager: EntityManager,
  userId: string,
): Promise<{ id: string; lockedByOrder: string | null } | null> {
  const s = schemaOf(manager.connection);
  const { rows } = await preparedQuery<{ id: string; lockedByOrder: string | null }>(
    manager,
    `SELECT id, locked_by_order AS "lockedByOrder" FROM "${s}".carts WHERE user_id = $1 FOR UPDATE`,
    [userId],
  );
  return rows[0] ?? null;
}

/**
 * Locks an OPEN cart, already row-locked by this transaction, for the order and records the checkout
 * with the items it holds now, in one statement; returns those items, or null (and changes nothing)
 * when the cart is empty. The items are read here, never in the statement that took the row lock:
 * in READ COMMITTED that statement's snapshot predates an edit it waited for, so the edit's lines
 * would be missing from the order yet left in the cart.
 */
export async function checkOut(
  manager: EntityManager,
  checkout: { orderId: string; userId: string; cartId: string },
): Promise<OrderItem[] | null> {
  const s = schemaOf(manager.connection);
  const { rows } = await preparedQuery<{ items: OrderItem[] | null; locked: number }>(
    manager,
    `WITH lines AS (
       SELECT json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity)
                       ORDER BY i.added_at, i.product_id) AS items
         FROM "${s}".cart_items i WHERE i.cart_id = $3
     ), checkout AS (
       INSERT INTO "${s}".checkouts (order_id, user_id, cart_id, status, items, created_at, updated_at)
       SELECT $1, $2, $3, $4, lines.items::jsonb, now(), now() FROM lines WHERE lines.items IS NOT NULL
       RETURNING items
     ), locked AS (
       UPDATE "${s}".carts SET status = $5, locked_by_order = $1, version = version + 1, updated_at = now()
        WHERE id = $3 AND status = $6 AND EXISTS (SELECT 1 FROM checkout)
       RETURNING id
     )
     SELECT (SELECT items FROM checkout) AS items, (SELECT count(*)::int FROM locked) AS locked`,
    [checkout.orderId, checkout.userId, checkout.cartId, CheckoutStatus.Locked, CartStatus.Locked, CartStatus.Open],
  );
  const { items, locked } = rows[0];
  if (items === null) return null;
  if (locked !== 1) {
    throw new Error(`cart ${checkout.cartId} could not be locked for order ${checkout.orderId}: it is not OPEN`);
  }
  return items;
}

/**
 * Ends a LOCKED checkout where the order ended with the cart: the cart is unlocked, emptied too when
 * the order CLEARED it, and the checkout takes the outcome, in one statement.
 */
export async function settleCheckout(
  manager: EntityManager,
  checkout: { orderId: string; cartId: string },
  outcome: typeof CheckoutStatus.Released | typeof CheckoutStatus.Cleared,
): Promise<void> {
  const s = schemaOf(manager.connection);
  const { rows } = await preparedQuery<{ unlocked: number; settled: number }>(
    manager,
    `WITH emptied AS (
       DELETE FROM "${s}".cart_items WHERE cart_id = $2 AND $3 = '${CheckoutStatus.Cleared}'
     ), unlocked AS (
       UPDATE "${s}".carts SET status = $4, locked_by_order = NULL, version = version + 1, updated_at = now()
        WHERE id = $2 AND locked_by_order = $1
       RETURNING id
     ), settled AS (
       UPDATE "${s}".checkouts SET status = $3, updated_at = now()
        WHERE order_id = $1 AND status = $5
       RETURNING order_id
     )
     SELECT (SELECT count(*)::int FROM unlocked) AS unlocked, (SELECT count(*)::int FROM settled) AS settled`,
    [checkout.orderId, checkout.cartId, outcome, CartStatus.Open, CheckoutStatus.Locked],
  );
  if (rows[0]?.unlocked !== 1) throw new Error(`cart ${checkout.cartId} is not locked by order ${checkout.orderId}`);
  if (rows[0]?.settled !== 1) throw new Error(`checkout of order ${checkout.orderId} is not LOCKED`);
}
