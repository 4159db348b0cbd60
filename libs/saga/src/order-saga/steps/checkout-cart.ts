import { cartCheckout, cartRelease } from '@saga/contracts';
import { orderSagaSteps } from '../order-saga-context';

export const checkoutCartStepId = 'checkout-cart';

/** This step locks the shopper's cart and takes its items as the order's; undone, it unlocks the cart. */
export const checkoutCartStep = orderSagaSteps.compensatable({
  id: checkoutCartStepId,
  when: (ctx) => ctx.source === 'cart',
  action: {
    command: cartCheckout,
    payload: (ctx) => ({ orderId: ctx.orderId, userId: ctx.userId }),
    onSuccess: (_ctx, result) => ({ cartId: result.cartId, items: result.items }),
  },
  compensation: {
    command: cartRelease,
    payload: (ctx) => ({ orderId: ctx.orderId, userId: ctx.userId }),
  },
});
