import { FailureCode, type orderOpenRefund } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { lockRefund } from '../domain/refunds';
import { Refund, RefundStatus } from '../domain/refund.entity';

/** The refund's saga has picked it up: REQUESTED becomes PROCESSING. */
export const openRefund: CommandHandler<typeof orderOpenRefund> = async ({ refundId, orderId }, { manager }) => {
  const refund = await lockRefund(manager, { orderId, refundId });
  if (!refund) return fail(FailureCode.NotFound, `Order ${orderId} has no refund ${refundId}.`);
  if (refund.status === RefundStatus.Processing) return succeed({});
  if (refund.status !== RefundStatus.Requested) {
    return fail(FailureCode.InvalidState, `Refund ${refundId} is already ${refund.status}.`);
  }
  await manager.update(Refund, { id: refundId }, { status: RefundStatus.Processing, updatedAt: () => 'now()' });
  return succeed({});
};
