import { orderApprove } from '@saga/contracts';
import { orderSagaSteps, required } from '../order-saga-context';

export const approveOrderStepId = 'approve-order';

/** This step marks the order COMPLETED with its priced items and total. */
export const approveOrderStep = orderSagaSteps.retriable({
  id: approveOrderStepId,
  action: {
    command: orderApprove,
    payload: (ctx) => ({
      orderId: ctx.orderId,
      items: [...required(ctx.pricedItems, 'pricedItems')],
      total: required(ctx.total, 'total'),
    }),
  },
});
