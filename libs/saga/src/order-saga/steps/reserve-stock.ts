import { inventoryRelease, inventoryReserve } from '@saga/contracts';
import { orderSagaSteps, required } from '../order-saga-context';

export const reserveStockStepId = 'reserve-stock';

/** This step reserves every item of the order, or none, and prices them; undone, it releases the stock. */
export const reserveStockStep = orderSagaSteps.compensatable({
  id: reserveStockStepId,
  action: {
    command: inventoryReserve,
    payload: (ctx) => ({ orderId: ctx.orderId, items: [...required(ctx.items, 'items')] }),
    onSuccess: (_ctx, result) => ({
      reservationId: result.reservationId,
      pricedItems: result.items,
      total: result.total,
      currency: result.currency,
    }),
  },
  compensation: {
    command: inventoryRelease,
    payload: (ctx) => ({ orderId: ctx.orderId }),
  },
});
