import { FailureCode, orderFailed, type orderReject } from '@saga/contracts';
import { eventMessage } from '@saga/outbox';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { Order } from '../domain/order.entity';
import { lockOrder, writePricedLines } from '../domain/order-repository';
import { OrderStatus, wasCompleted } from '../domain/order-status';

/** The saga failed and undid its steps: FAILED, with the reason; order.failed is announced. */
export const rejectOrder: CommandHandler<typeof orderReject> = async (payload, context) => {
  const { manager, envelope } = context;
  const { orderId, code, reason, items, total } = payload;
  const order = await lockOrder(manager, orderId);
  if (!order) return fail(FailureCode.NotFound, `Order ${orderId} does not exist.`);
  if (order.status === OrderStatus.Failed) return succeed({});
  if (wasCompleted(order.status)) {
    return fail(FailureCode.InvalidState, `Order ${orderId} is ${order.status}; it cannot be rejected.`);
  }
  if (items) await writePricedLines(manager, orderId, items);
  await manager.getRepository(Order).update(
    { id: orderId },
    {
      status: OrderStatus.Failed,
      failureCode: code,
      failureReason: reason,
      total: total ?? null,
      currency: total === undefined ? null : 'USD',
      updatedAt: () => 'now()',
    },
  );
  context.send(
    eventMessage(
      orderFailed,
      { orderId, userId: order.userId, code, reason },
      { sagaId: envelope.sagaId, correlationId: orderId, causationId: envelope.messageId },
    ),
  );
  return succeed({});
};
