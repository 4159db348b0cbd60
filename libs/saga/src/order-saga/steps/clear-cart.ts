import { cartClear } from '@saga/contracts';
import { orderSagaSteps } from '../order-saga-context';

export const clearCartStepId = 'clear-cart';

/** This step empties the cart the order came from, now that it is paid. */
export const clearCartStep = orderSagaSteps.retriable({
  id: clearCartStepId,
  when: (ctx) => ctx.source === 'cart',
  action: {
    command: cartClear,
    payload: (ctx) => ({ orderId: ctx.orderId, userId: ctx.userId }),
  },
});
