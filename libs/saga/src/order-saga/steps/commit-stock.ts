import { inventoryCommit } from '@saga/contracts';
import { orderSagaSteps } from '../order-saga-context';

export const commitStockStepId = 'commit-stock';

/** This step turns the reservation into a sale. */
export const commitStockStep = orderSagaSteps.retriable({
  id: commitStockStepId,
  action: {
    command: inventoryCommit,
    payload: (ctx) => ({ orderId: ctx.orderId }),
  },
});
