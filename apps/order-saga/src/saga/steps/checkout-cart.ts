import { cartCheckout, cartRelease } from '@saga/contracts';
import { compensatable } from '@saga/saga';

export const checkoutCartStepId = 'checkout-cart';

interface Shopper {
  readonly orderId: string;
  readonly userId: string;
  readonly source: 'items' | 'cart';
}

/** This step locks the shopper's cart and takes its items as the order's; undone, it unlocks the cart. */
export const checkoutCartStep = compensatable({
  id: checkoutCartStepId,
  when: (ctx: Shopper) => ctx.source === 'cart',
  action: {
    command: cartCheckout,
    payload: (ctx: Shopper) => ({ orderId: ctx.orderId, userId: ctx.userId }),
    produces: (result) => ({ cartId: result.cartId, items: result.items }),
  },
  compensation: {
    command: cartRelease,
    payload: (ctx: Shopper) => ({ orderId: ctx.orderId, userId: ctx.userId }),
  },
});
