import { FailureCode, orderCompleted, type orderApprove } from '@saga/contracts';
import { eventMessage } from '@saga/outbox';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { Order } from '../domain/order.entity';
import { lockOrder, writePricedLines } from '../domain/order-repository';
import { OrderStatus, wasCompleted } from '../domain/order-status';

/** The order is paid and its stock taken: COMPLETED, with priced items; order.completed is announced. */
export const approveOrder: CommandHandler<typeof orderApprove> = async ({ orderId, items, total }, context) => {
  const { manager, envelope } = context;
  const order = await lockOrder(manager, orderId);
  if (!order) return fail(FailureCode.NotFound, `Order ${orderId} does not exist.`);
  if (wasCompleted(order.status)) return succeed({});
  if (order.status === OrderStatus.Failed) {
    return fail(FailureCode.InvalidState, `Order ${orderId} already FAILED; it cannot be approved.`);
  }
  await writePricedLines(manager, orderId, items);
  await manager
    .getRepository(Order)
    .update({ id: orderId }, { status: OrderStatus.Completed, total, currency: 'USD', updatedAt: () => 'now()' });
  context.send(
    eventMessage(
      orderCompleted,
      { orderId, userId: order.userId, items, total },
      { sagaId: envelope.sagaId, correlationId: orderId, causationId: envelope.messageId },
    ),
  );
  return succeed({});
};
