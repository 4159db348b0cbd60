import { FailureCode, orderRefunded, type orderCompleteRefund } from '@saga/contracts';
import { eventMessage } from '@saga/outbox';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { Order } from '../domain/order.entity';
import { lockOrder } from '../domain/order-repository';
import { lockRefund, statusAfterRefunds } from '../domain/refunds';
import { Refund, RefundStatus } from '../domain/refund.entity';

/**
 * The money is back and the stock on sale: the refund is REFUNDED, and the order REFUNDED once every
 * line is refunded, PARTIALLY_REFUNDED before; order.refunded is announced.
 */
export const completeRefund: CommandHandler<typeof orderCompleteRefund> = async (payload, context) => {
  const { manager, envelope } = context;
  const { refundId, orderId } = payload;
  const order = await lockOrder(manager, orderId);
  const refund = await lockRefund(manager, { orderId, refundId });
  if (!order || !refund) {
    return fail(FailureCode.NotFound, `Order ${orderId} has no refund ${refundId}.`);
  }
  if (refund.status === RefundStatus.Refunded)
    return succeed({ orderStatus: await statusAfterRefunds(manager, orderId) });
  if (refund.status !== RefundStatus.Processing) {
    return fail(FailureCode.InvalidState, `Refund ${refundId} is ${refund.status}; it cannot complete.`);
  }
  await manager.update(Refund, { id: refundId }, { status: RefundStatus.Refunded, updatedAt: () => 'now()' });
  const orderStatus = await statusAfterRefunds(manager, orderId);
  await manager.update(Order, { id: orderId }, { status: orderStatus, updatedAt: () => 'now()' });
  context.send(
    eventMessage(
      orderRefunded,
      {
        refundId,
        orderId,
        userId: order.userId,
        items: refund.items.map(({ productId, quantity }) => ({ productId, quantity })),
        amount: refund.amount,
        currency: refund.currency,
        orderStatus,
      },
      { sagaId: envelope.sagaId, correlationId: orderId, causationId: envelope.messageId },
    ),
  );
  return succeed({ orderStatus });
};
