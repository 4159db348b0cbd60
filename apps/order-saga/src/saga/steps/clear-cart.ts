import { cartClear } from '@saga/contracts';
import { retriable } from '@saga/saga';
import type { OrderShopper } from '../order-saga-input';

export const clearCartStepId = 'clear-cart';

/** This step empties the cart the order came from, now that it is paid. */
export const clearCartStep = retriable({
  id: clearCartStepId,
  when: (ctx: OrderShopper) => ctx.source === 'cart',
  action: {
    command: cartClear,
    payload: (ctx: OrderShopper) => ({ orderId: ctx.orderId, userId: ctx.userId }),
  },
});
