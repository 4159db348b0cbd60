import { orderFailRefund, orderOpenRefund } from '@saga/contracts';
import { compensatable } from '@saga/saga';

export const openRefundStepId = 'open-refund';

/** This step marks the refund PROCESSING; undone, it fails the refund with the saga's reason. */
export const openRefundStep = compensatable({
  id: openRefundStepId,
  action: {
    command: orderOpenRefund,
    payload: (ctx: { refundId: string; orderId: string }) => ({ refundId: ctx.refundId, orderId: ctx.orderId }),
  },
  compensation: {
    command: orderFailRefund,
    payload: (ctx: { refundId: string; orderId: string }, failure) => ({
      refundId: ctx.refundId,
      orderId: ctx.orderId,
      code: failure.code,
      reason: failure.message,
    }),
  },
});
