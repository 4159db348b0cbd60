import { FailureCode, type inventoryReserve } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
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
 * locked from the availability check to the stock movement.
 */
export const reserveStock: CommandHandler<typeof inventoryReserve> = async (
  { orderId, items },
  { manager, logger },
) => {
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
  logger.debug('stock reserved', { orderId, reservationId: reservation.id, total: plan.total });
  return succeed({ reservationId: reservation.id, items: [...plan.items], total: plan.total, currency: 'USD' });
};
