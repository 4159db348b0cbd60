import { FailureCode, lowStock, type inventoryReserve } from '@saga/contracts';
import { eventMessage } from '@saga/outbox';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { lowStockCrossings, type LowStockSettings } from '../domain/low-stock';
import { Reservation, ReservationStatus } from '../domain/reservation.entity';
import {
  describeShortages,
  describeTooLarge,
  describeUnknownProducts,
  mergeOrderItems,
  planReservation,
} from '../domain/reservation-plan';
import {
  claimReservation,
  fillReservation,
  isTombstone,
  itemsOf,
  lockProducts,
  stockReservedOf,
} from '../domain/reservations';
import { moveStock, StockMovementKind } from '../domain/stock-movement';

/**
 * This step reserves every item of the order or none of them, prices them, and answers the same
 * reservation to every later attempt for the order. It never oversells: the products' rows stay
 * locked from the availability check to the stock movement. A product it takes below its low-stock
 * threshold is told in the same transaction (inventory.low-stock), once: a repeated attempt moves no stock.
 */
export function reserveStock(lowStockSettings: LowStockSettings): CommandHandler<typeof inventoryReserve> {
  return async ({ orderId, items }, { manager, logger, envelope, send }) => {
    const { created, reservation } = await claimReservation(manager, orderId, ReservationStatus.Active);
    if (!created) {
      const reserved = await itemsOf(manager, reservation);
      if (reservation.status === ReservationStatus.Released) {
        return fail(
          FailureCode.InvalidState,
          isTombstone(reservation, reserved)
            ? `Order ${orderId} was cancelled before its stock could be reserved.`
            : `The stock of order ${orderId} has been released; it cannot be reserved again.`,
        );
      }
      return succeed(stockReservedOf(reservation, reserved));
    }

    const wanted = mergeOrderItems(items);
    const products = await lockProducts(
      manager,
      wanted.map((item) => item.productId),
    );
    const plan = planReservation(wanted, products);
    if (plan.kind !== 'reservable') {
      // Nothing is held for a refused order, so a later attempt (after a restock) starts afresh.
      await manager.delete(Reservation, { id: reservation.id });
      switch (plan.kind) {
        case 'unknown-products':
          return fail(FailureCode.UnknownProduct, describeUnknownProducts(plan.productIds));
        case 'short':
          return fail(FailureCode.OutOfStock, describeShortages(plan.shortages));
        case 'too-large':
          return fail(FailureCode.AmountTooLarge, describeTooLarge(plan.total));
      }
    }

    await moveStock(
      manager,
      plan.items.map((item) => ({
        kind: StockMovementKind.Reserve,
        productId: item.productId,
        orderId,
        quantity: item.quantity,
      })),
    );
    await fillReservation(manager, reservation, plan.items, plan.total);
    // Only a reserve lowers available stock (release, restock and return raise it, commit leaves it).
    // The products were read under the lock this movement holds: their counters are those just before it.
    const ids = { sagaId: envelope.sagaId, correlationId: envelope.correlationId, causationId: envelope.messageId };
    for (const crossing of lowStockCrossings(products, plan.items, lowStockSettings)) {
      send(eventMessage(lowStock, crossing, ids));
      logger.info('stock low', crossing);
    }
    logger.debug('stock reserved', { orderId, reservationId: reservation.id, total: plan.total });
    return succeed({ reservationId: reservation.id, items: [...plan.items], total: plan.total, currency: 'USD' });
  };
}
