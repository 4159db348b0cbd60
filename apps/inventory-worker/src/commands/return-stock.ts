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
  if (await alreadyReturned(manager, refundId)) return succeed({});
  const wanted = mergeOrderItems(items);
  const sold = new Map((await itemsOf(manager, reservation)).map((item) => [item.productId, item.quantity]));
  const returned = await returnedOf(manager, orderId);
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

async function alreadyReturned(manager: EntityManager, refundId: string): Promise<boolean> {
  const { rows } = await preparedQuery(
    manager,
    `SELECT 1 FROM "${schemaOf(manager.connection)}".stock_returns WHERE refund_id = $1`,
    [refundId],
  );
  return rows.length > 0;
}

/** How many of each product the order has returned so far. */
async function returnedOf(manager: EntityManager, orderId: string): Promise<Map<string, number>> {
  const { rows } = await preparedQuery<{ items: OrderItem[] }>(
    manager,
    `SELECT items FROM "${schemaOf(manager.connection)}".stock_returns WHERE order_id = $1`,
    [orderId],
  );
  const returned = new Map<string, number>();
  for (const item of rows.flatMap((row) => row.items)) {
    returned.set(item.productId, (returned.get(item.productId) ?? 0) + item.quantity);
  }
  return returned;
}
