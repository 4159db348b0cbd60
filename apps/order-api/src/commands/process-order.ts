import { FailureCode, type orderProcess } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { Order } from '../domain/order.entity';
import { lockOrder } from '../domain/order-repository';
import { OrderStatus } from '../domain/order-status';

/** The saga has picked the order up: PENDING becomes PROCESSING. */
export const processOrder: CommandHandler<typeof orderProcess> = async ({ orderId }, { manager }) => {
  const order = await lockOrder(manager, orderId);
  if (!order) return fail(FailureCode.NotFound, `Order ${orderId} does not exist.`);
  if (order.status === OrderStatus.Processing) return succeed({});
  if (order.status !== OrderStatus.Pending) {
    return fail(FailureCode.InvalidState, `Order ${orderId} is already ${order.status}.`);
  }
  await manager
    .getRepository(Order)
    .update({ id: orderId }, { status: OrderStatus.Processing, updatedAt: () => 'now()' });
  return succeed({});
};
