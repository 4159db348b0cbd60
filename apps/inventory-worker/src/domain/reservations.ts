import { randomUUID } from 'node:crypto';
import type { StockReserved } from '@saga/contracts';
import type { EntityManager } from 'typeorm';
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
  const id = randomUUID();
  // ON CONFLICT waits for a concurrent insert of the same order to commit, then sees it.
  const inserted = await manager
    .createQueryBuilder()
    .insert()
    .into(Reservation)
    .values({ id, orderId, status, total: 0 })
    .orIgnore()
    .returning(['id'])
    .execute();
  if (inserted.raw.length === 1) {
    return { created: true, reservation: await manager.findOneByOrFail(Reservation, { id }) };
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
  const items = await itemsOf(manager, reservation);
  await lockProducts(
    manager,
    items.map((item) => item.productId),
  );
  const kind = outcome === ReservationStatus.Committed ? StockMovementKind.Commit : StockMovementKind.Release;
  for (const item of items) {
    await moveStock(manager, {
      kind,
      productId: item.productId,
      orderId: reservation.orderId,
      quantity: item.quantity,
    });
  }
  await setReservationStatus(manager, reservation, outcome);
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
