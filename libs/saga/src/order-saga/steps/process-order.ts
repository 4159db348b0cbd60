import { orderProcess, orderReject } from '@saga/contracts';
import { orderSagaSteps } from '../order-saga-context';

export const processOrderStepId = 'process-order';

/** This step marks the order PROCESSING; undone, it rejects the order with the saga's failure reason. */
export const processOrderStep = orderSagaSteps.compensatable({
  id: processOrderStepId,
  action: {
    command: orderProcess,
    payload: (ctx) => ({ orderId: ctx.orderId }),
  },
  compensation: {
    command: orderReject,
    payload: (ctx, failure) => ({
      orderId: ctx.orderId,
      code: failure.code,
      reason: failure.message,
      items: ctx.pricedItems ? [...ctx.pricedItems] : undefined,
      total: ctx.total,
    }),
  },
});
