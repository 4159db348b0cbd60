import { orderProcess, orderReject, type PricedItem } from '@saga/contracts';
import { compensatable } from '@saga/saga';

export const processOrderStepId = 'process-order';

/** This step marks the order PROCESSING; undone, it rejects the order with the saga's failure reason. */
export const processOrderStep = compensatable({
  id: processOrderStepId,
  action: {
    command: orderProcess,
    payload: (ctx: { orderId: string }) => ({ orderId: ctx.orderId }),
  },
  compensation: {
    command: orderReject,
    // The prices are known only if the saga got as far as reserving the stock.
    payload: (ctx: { orderId: string; pricedItems?: readonly PricedItem[]; total?: number }, failure) => ({
      orderId: ctx.orderId,
      code: failure.code,
      reason: failure.message,
      items: ctx.pricedItems ? [...ctx.pricedItems] : undefined,
      total: ctx.total,
    }),
  },
});
