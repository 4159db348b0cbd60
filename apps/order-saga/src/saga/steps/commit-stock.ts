import { inventoryCommit } from '@saga/contracts';
import { retriable } from '@saga/saga';

export const commitStockStepId = 'commit-stock';

/** This step turns the reservation into a sale. */
export const commitStockStep = retriable({
  id: commitStockStepId,
  action: {
    command: inventoryCommit,
    // Reads the reservation, so it cannot be placed before the step that makes it.
    payload: (ctx: { orderId: string; reservationId: string }) => ({ orderId: ctx.orderId }),
  },
});
