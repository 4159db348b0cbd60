import { cartClear } from '@saga/contracts';
import { retriable } from '@saga/saga';

export const clearCartStepId = 'clear-cart';

interface Shopper {
  readonly orderId: string;
  readonly userId: string;
  readonly source: 'items' | 'cart';
}

/** This step empties the cart the order came from, now that it is paid. */
export const clearCartStep = retriable({
  id: clearCartStepId,
  when: (ctx: Shopper) => ctx.source === 'cart',
  action: {
    command: cartClear,
    payload: (ctx: Shopper) => ({ orderId: ctx.orderId, userId: ctx.userId }),
  },
});
