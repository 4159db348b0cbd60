import { randomUUID } from 'node:crypto';
import type { PricedItem, StockReserved } from '@saga/contracts';
import type { EntityManager } from 'typeorm';
import { amountFromDatabase, preparedQuery, schemaOf } from '@saga/persistence';
import { Product } from './product.entity';
import { ReservationItem } from './reservation-item.entity';
import { Reservation, ReservationStatus } from './reservation.entity';
import { moveStock, StockMovementKind } from './stock-movement';

/** The order's reservation: one this call just created (empty, in the given status) or the one it already had, locked. */
export interface ClaimedReservation {
  readonly created: boolean;
  readonly reservation: Reservation;
}

/**
 * Makes this transaction the only one acting on the order's reservation until it commits: inserts an
 * empty reservation, or, when the order has one, locks it. Two attempts for the same order queue up
 * here instead of both inserting, and always before any product row is locked.
 */
export async function claimReservation(
  manager: EntityManager,
  orderId: string,
  status: ReservationStatus,
): Promise<ClaimedReservation> {
  const s = schemaOf(manager.connection);
  // ON CONFLICT waits for a concurrent insert of the same order to commit, then sees it.
  const { rows } = await preparedQuery<Reservation>(
    manager,
    `INSERT INTO "${s}".reservations (id, order_id, status, total) VALUES ($1, $2, $3, 0)
     ON CONFLICT DO NOTHING
     RETURNING id, order_id AS "orderId", status, total, created_at AS "createdAt", updated_at AS "updatedAt"`,
    [randomUUID(), orderId, status],
  );
  if (rows.length === 1) {
    const reservation = manager.create(Reservation, { ...rows[0], total: amountFromDatabase(rows[0].total) });
    return { created: true, reservation };
  }
  const existing = await lockReservation(manager, orderId);
  if (!existing) throw new Error(`reservation of order ${orderId} vanished while it was being claimed`);
  return { created: false, reservation: existing };
}

/** The order's reservation, locked until the transaction ends, or null if it has none. */
export function lockReservation(manager: EntityManager, orderId: string): Promise<Reservation | null> {
  return manager
    .getRepository(Reservation)
    .createQueryBuilder('reservation')
    .where('reservation.order_id = :orderId', { orderId })
    .setLock('pessimistic_write')
    .getOne();
}

/** The reservation's items, sorted by product id. */
export function itemsOf(manager: EntityManager, reservation: Reservation): Promise<ReservationItem[]> {
  return manager.find(ReservationItem, { where: { reservationId: reservation.id }, order: { productId: 'ASC' } });
}

/**
 * Locks the products in id order, so that transactions touching overlapping products take their locks
 * in the same sequence and cannot deadlock. Unknown ids are simply absent from the result.
 */
export async function lockProducts(
  manager: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, Product>> {
  if (productIds.length === 0) return new Map();
  const products = await manager
    .getRepository(Product)
    .createQueryBuilder('product')
    .where('product.id IN (:...productIds)', { productIds })
    .orderBy('product.id')
    .setLock('pessimistic_write')
    .getMany();
  return new Map(products.map((product) => [product.id, product]));
}

/** Records what a new reservation holds, at the prices reserved, and its total: one query. */
export async function fillReservation(
  manager: EntityManager,
  reservation: Reservation,
  items: readonly PricedItem[],
  total: number,
): Promise<void> {
  const s = schemaOf(manager.connection);
  await preparedQuery(
    manager,
    `WITH items AS (
       INSERT INTO "${s}".reservation_items (reservation_id, product_id, quantity, unit_price, name)
       SELECT $1, i."productId", i.quantity, i."unitPrice", i.name
         FROM json_to_recordset($2::json) AS i("productId" uuid, quantity int, "unitPrice" bigint, name text)
     )
     UPDATE "${s}".reservations SET total = $3 WHERE id = $1`,
    [reservation.id, JSON.stringify(items), total],
  );
}

/** Sets the reservation's status, stamping the change. */
async function setReservationStatus(
  manager: EntityManager,
  reservation: Reservation,
  status: ReservationStatus,
): Promise<void> {
  await manager.update(Reservation, { id: reservation.id }, { status, updatedAt: () => 'now()' });
}

/**
 * Ends an ACTIVE reservation: its stock moves out of reserved (sold on commit, back to available on
 * release), product rows locked in id order like every other stock change, and the status is set.
 */
export async function settleReservation(
  manager: EntityManager,
  reservation: Reservation,
  outcome: typeof ReservationStatus.Committed | typeof ReservationStatus.Released,
): Promise<void> {
  const items = await lockItemsOf(manager, reservation);
  const kind = outcome === ReservationStatus.Committed ? StockMovementKind.Commit : StockMovementKind.Release;
  await moveStock(
    manager,
    items.map((item) => ({ kind, productId: item.productId, orderId: reservation.orderId, quantity: item.quantity })),
  );
  await setReservationStatus(manager, reservation, outcome);
}

// The reservation's items, their products locked in id order like every other stock change: one query.
async function lockItemsOf(
  manager: EntityManager,
  reservation: Reservation,
): Promise<{ productId: string; quantity: number }[]> {
  const s = schemaOf(manager.connection);
  const { rows } = await preparedQuery<{ productId: string; quantity: number }>(
    manager,
    `SELECT i.product_id AS "productId", i.quantity FROM "${s}".reservation_items i
       JOIN "${s}".products p ON p.id = i.product_id
      WHERE i.reservation_id = $1 ORDER BY p.id FOR UPDATE OF p`,
    [reservation.id],
  );
  return rows;
}

/** The reply to inventory.reserve for a reservation and its items: the same on every attempt. */
export function stockReservedOf(reservation: Reservation, items: readonly ReservationItem[]): StockReserved {
  return {
    reservationId: reservation.id,
    items: items.map(({ productId, quantity, name, unitPrice }) => ({ productId, quantity, name, unitPrice })),
    total: reservation.total,
    currency: 'USD',
  };
}

/** Whether a reservation is a tombstone: released before it ever held anything. */
export function isTombstone(reservation: Reservation, items: readonly ReservationItem[]): boolean {
  return reservation.status === ReservationStatus.Released && items.length === 0;
}
