import { inventoryReturn, type PricedItem } from '@saga/contracts';
import { retriable } from '@saga/saga';

export const returnStockStepId = 'return-stock';

/** This step puts the refunded items back on sale. */
export const returnStockStep = retriable({
  id: returnStockStepId,
  action: {
    command: inventoryReturn,
    payload: (ctx: { refundId: string; orderId: string; items: readonly PricedItem[] }) => ({
      refundId: ctx.refundId,
      orderId: ctx.orderId,
      items: ctx.items.map(({ productId, quantity }) => ({ productId, quantity })),
    }),
  },
});
