import { cartCheckout, cartClear, cartRelease } from '@saga/contracts';
import type { CommandHandlers } from '@saga/participant';
import { checkoutCart } from './checkout-cart';
import { clearCart } from './clear-cart';
import { releaseCart } from './release-cart';

export { checkoutCart } from './checkout-cart';
export { clearCart } from './clear-cart';
export { releaseCart } from './release-cart';

/** The cart worker's handler for each cart command. */
export const cartCommandHandlers: CommandHandlers<
  typeof cartCheckout.type | typeof cartRelease.type | typeof cartClear.type
> = {
  [cartCheckout.type]: checkoutCart,
  [cartRelease.type]: releaseCart,
  [cartClear.type]: clearCart,
};
