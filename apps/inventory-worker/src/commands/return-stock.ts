import { FailureCode, type inventoryReturn, type OrderItem } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { preparedQuery, schemaOf } from '@saga/persistence';
import type { EntityManager } from 'typeorm';
import { mergeOrderItems } from '../domain/reservation-plan';
import { ReservationStatus } from '../domain/reservation.entity';
import { itemsOf, lockProducts, lockReservation } from '../domain/reservations';
import { moveStock, StockMovementKind } from '../domain/stock-movement';

/**
 * This step puts a refund's items back on sale: from sold to available, once per refund, however
 * often it is asked. An order returns at most what it bought; asking more, or for an order whose
 * stock was never sold, is refused (a person must look: the refund's money is already back).
 */
export const returnStock: CommandHandler<typeof inventoryReturn> = async (
  { refundId, orderId, items },
  { manager },
) => {
  const reservation = await lockReservation(manager, orderId);
  if (reservation?.status !== ReservationStatus.Committed) {
    return fail(FailureCode.InvalidState, `Order ${orderId} has no sold stock to return.`);
  }
  const { done, returned } = await returnsOf(manager, { orderId, refundId });
  if (done) return succeed({});
  const wanted = mergeOrderItems(items);
  const sold = new Map((await itemsOf(manager, reservation)).map((item) => [item.productId, item.quantity]));
  const tooMany = wanted.filter(
    (item) => item.quantity > (sold.get(item.productId) ?? 0) - (returned.get(item.productId) ?? 0),
  );
  if (tooMany.length > 0) {
    return fail(
      FailureCode.InvalidState,
      `Order ${orderId} cannot return ${tooMany.map((i) => `${i.quantity} of ${i.productId}`).join(', ')}: more than it bought and kept.`,
    );
  }
  await lockProducts(
    manager,
    wanted.map((item) => item.productId),
  );
  await moveStock(
    manager,
    wanted.map((item) => ({
      kind: StockMovementKind.Return,
      productId: item.productId,
      orderId,
      quantity: item.quantity,
    })),
  );
  await preparedQuery(
    manager,
    `INSERT INTO "${schemaOf(manager.connection)}".stock_returns (refund_id, order_id, items) VALUES ($1, $2, $3::jsonb)`,
    [refundId, orderId, JSON.stringify(wanted)],
  );
  return succeed({});
};

/** Whether this refund was returned already, and how many of each product the order has returned so far: one query. */
async function returnsOf(
  manager: EntityManager,
  { orderId, refundId }: { readonly orderId: string; readonly refundId: string },
): Promise<{ done: boolean; returned: Map<string, number> }> {
  const { rows } = await preparedQuery<{ refund_id: string; order_id: string; items: OrderItem[] }>(
    manager,
    `SELECT refund_id, order_id, items FROM "${schemaOf(manager.connection)}".stock_returns
      WHERE order_id = $1 OR refund_id = $2`,
    [orderId, refundId],
  );
  const returned = new Map<string, number>();
  for (const item of rows.filter((row) => row.order_id === orderId).flatMap((row) => row.items)) {
    returned.set(item.productId, (returned.get(item.productId) ?? 0) + item.quantity);
  }
  return { done: rows.some((row) => row.refund_id === refundId), returned };
}
