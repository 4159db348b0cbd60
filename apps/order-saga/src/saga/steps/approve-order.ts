import { orderApprove, type PricedItem } from '@saga/contracts';
import { retriable } from '@saga/saga';

export const approveOrderStepId = 'approve-order';

/** This step marks the order COMPLETED with its priced items and total. */
export const approveOrderStep = retriable({
  id: approveOrderStepId,
  action: {
    command: orderApprove,
    payload: (ctx: { orderId: string; pricedItems: readonly PricedItem[]; total: number }) => ({
      orderId: ctx.orderId,
      items: [...ctx.pricedItems],
      total: ctx.total,
    }),
  },
});
