import { inventoryRelease, inventoryReserve, type OrderItem } from '@saga/contracts';
import { compensatable } from '@saga/saga';

export const reserveStockStepId = 'reserve-stock';

/** This step reserves every item of the order, or none, and prices them; undone, it releases the stock. */
export const reserveStockStep = compensatable({
  id: reserveStockStepId,
  action: {
    command: inventoryReserve,
    payload: (ctx: { orderId: string; items: readonly OrderItem[] }) => ({
      orderId: ctx.orderId,
      items: [...ctx.items],
    }),
    produces: (result) => ({
      reservationId: result.reservationId,
      pricedItems: result.items,
      total: result.total,
      currency: result.currency,
    }),
  },
  compensation: {
    command: inventoryRelease,
    payload: (ctx: { orderId: string }) => ({ orderId: ctx.orderId }),
  },
});
