import { orderCompleteRefund, type PricedItem } from '@saga/contracts';
import { retriable } from '@saga/saga';

export const completeRefundStepId = 'complete-refund';

/** This step marks the refund REFUNDED, and the order REFUNDED or PARTIALLY_REFUNDED. */
export const completeRefundStep = retriable({
  id: completeRefundStepId,
  action: {
    command: orderCompleteRefund,
    payload: (ctx: { refundId: string; orderId: string; items: readonly PricedItem[]; amount: number }) => ({
      refundId: ctx.refundId,
      orderId: ctx.orderId,
      items: ctx.items.map(({ productId, quantity }) => ({ productId, quantity })),
      amount: ctx.amount,
    }),
  },
});
