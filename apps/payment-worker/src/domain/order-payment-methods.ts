import type { EntityManager } from 'typeorm';
import type { PaymentMethod, PaymentMethodProvided } from '@saga/contracts';
import { deleteOldRows, preparedQuery, schemaOf, type RetentionRule } from '@saga/persistence';

/** Thrown when a card order's authorization arrives before its payment method: the broker retries it. */
export class PaymentMethodNotReceivedError extends Error {
  constructor(readonly orderId: string) {
    super(`the payment method of order ${orderId} has not arrived yet`);
    this.name = 'PaymentMethodNotReceivedError';
  }
}

/** Keeps the payment method a card order was placed with until its authorization; once per order. */
export async function recordPaymentMethod(manager: EntityManager, provided: PaymentMethodProvided): Promise<void> {
  await preparedQuery(
    manager,
    `INSERT INTO "${schemaOf(manager.connection)}".order_payment_methods (order_id, user_id, method)
     VALUES ($1, $2, $3::jsonb) ON CONFLICT (order_id) DO NOTHING`,
    [provided.orderId, provided.userId, JSON.stringify(provided.paymentMethod)],
  );
}

/**
 * The order's payment method, deleted in the same transaction: the authorization that takes it is the
 * last to need the card's token, and if that transaction rolls back the token is kept for its retry.
 */
export async function takePaymentMethod(
  manager: EntityManager,
  order: { orderId: string; userId: string },
): Promise<PaymentMethod> {
  const { rows } = await preparedQuery<{ method: PaymentMethod }>(
    manager,
    `DELETE FROM "${schemaOf(manager.connection)}".order_payment_methods
      WHERE order_id = $1 AND user_id = $2 RETURNING method`,
    [order.orderId, order.userId],
  );
  if (!rows[0]) throw new PaymentMethodNotReceivedError(order.orderId);
  return rows[0].method;
}

/**
 * A card's token is kept until its authorization takes it, and a day at most: an order that failed
 * before it reached payment (no stock, say) never takes its token, and leaves none behind for longer.
 * A saga stalled for longer than that, once resumed, finds no token: its authorization is retried
 * until it is dead-lettered, and the step fails at its deadline.
 */
export const untakenPaymentMethods: RetentionRule = deleteOldRows({
  name: 'untaken payment methods',
  retentionMs: 86_400_000,
  table: 'order_payment_methods',
  olderThan: 'received_at',
});
