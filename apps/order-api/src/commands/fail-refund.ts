import { FailureCode, type orderFailRefund } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { OrderLine } from '../domain/order-line.entity';
import { lockOrder } from '../domain/order-repository';
import { lockRefund } from '../domain/refunds';
import { Refund, RefundStatus } from '../domain/refund.entity';

/**
 * The refund could not be made and its saga undid what it had done: FAILED, with the reason, and its
 * lines may be refunded again (compensation of order.open-refund).
 */
export const failRefund: CommandHandler<typeof orderFailRefund> = async (payload, { manager }) => {
  const { refundId, orderId, code, reason } = payload;
  // The order first, then the refund: the lock order of every refund change.
  await lockOrder(manager, orderId);
  const refund = await lockRefund(manager, { orderId, refundId });
  if (!refund) return fail(FailureCode.NotFound, `Order ${orderId} has no refund ${refundId}.`);
  if (refund.status === RefundStatus.Failed) return succeed({});
  if (refund.status === RefundStatus.Refunded) {
    return fail(FailureCode.InvalidState, `Refund ${refundId} is REFUNDED; it cannot fail.`);
  }
  for (const item of refund.items) {
    await manager.decrement(OrderLine, { orderId, productId: item.productId }, 'refundedQuantity', item.quantity);
  }
  await manager.update(
    Refund,
    { id: refundId },
    { status: RefundStatus.Failed, failureCode: code, failureReason: reason, updatedAt: () => 'now()' },
  );
  return succeed({});
};
