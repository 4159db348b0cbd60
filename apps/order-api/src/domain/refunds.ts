import type { EntityManager } from 'typeorm';
import { OrderLine } from './order-line.entity';
import { OrderStatus } from './order-status';
import { Refund, RefundStatus } from './refund.entity';

/**
 * Loads the order's refund with a row lock, so two commands for one refund apply one after the
 * other; null when the order has no such refund.
 */
export function lockRefund(
  manager: EntityManager,
  { orderId, refundId }: { readonly orderId: string; readonly refundId: string },
): Promise<Refund | null> {
  return manager
    .getRepository(Refund)
    .findOne({ where: { id: refundId, orderId }, lock: { mode: 'pessimistic_write' } });
}

/** What the order is once its REFUNDED refunds are counted: REFUNDED when they cover every line. */
export async function statusAfterRefunds(
  manager: EntityManager,
  orderId: string,
): Promise<typeof OrderStatus.Refunded | typeof OrderStatus.PartiallyRefunded> {
  const lines = await manager.getRepository(OrderLine).findBy({ orderId });
  const refunds = await manager.getRepository(Refund).findBy({ orderId, status: RefundStatus.Refunded });
  const refunded = new Map<string, number>();
  for (const item of refunds.flatMap((r) => r.items)) {
    refunded.set(item.productId, (refunded.get(item.productId) ?? 0) + item.quantity);
  }
  const all = lines.every((line) => (refunded.get(line.productId) ?? 0) >= line.quantity);
  return all ? OrderStatus.Refunded : OrderStatus.PartiallyRefunded;
}
