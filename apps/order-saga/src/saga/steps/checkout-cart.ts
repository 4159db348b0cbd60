import { cartCheckout, cartRelease } from '@saga/contracts';
import { compensatable } from '@saga/saga';
import type { OrderShopper } from '../order-saga-input';

export const checkoutCartStepId = 'checkout-cart';

/** This step locks the shopper's cart and takes its items as the order's; undone, it unlocks the cart. */
export const checkoutCartStep = compensatable({
  id: checkoutCartStepId,
  when: (ctx: OrderShopper) => ctx.source === 'cart',
  action: {
    command: cartCheckout,
    payload: (ctx: OrderShopper) => ({ orderId: ctx.orderId, userId: ctx.userId }),
    produces: (result) => ({ cartId: result.cartId, items: result.items }),
  },
  compensation: {
    command: cartRelease,
    payload: (ctx: OrderShopper) => ({ orderId: ctx.orderId, userId: ctx.userId }),
  },
});
