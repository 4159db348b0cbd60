import { FailureCode, type cartRelease } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { CheckoutStatus } from '../domain/cart-status';
import { snapshotOf } from '../domain/checkout-snapshot';
import { findCheckoutForUpdate, insertTombstone, lockOrder, settleCheckout } from '../domain/cart-store';

/**
 * Gives the cart back to its shopper with every item still in it (compensation of checkoutCart).
 * A release that arrives before its checkout leaves a tombstone, so that checkout is refused later.
 */
export const releaseCart: CommandHandler<typeof cartRelease> = async ({ orderId, userId }, { manager, logger }) => {
  await lockOrder(manager, orderId);
  const checkout = await findCheckoutForUpdate(manager, orderId);
  if (!checkout) {
    await insertTombstone(manager, orderId, userId);
    logger.info('release before any checkout: tombstone recorded', { orderId });
    return succeed({});
  }
  switch (checkout.status) {
    case CheckoutStatus.Released:
      return succeed({});
    case CheckoutStatus.Cleared:
      return fail(
        FailureCode.InvalidState,
        `Order ${orderId} has completed and its cart was emptied; it cannot be released.`,
      );
    case CheckoutStatus.Locked: {
      const { cartId } = snapshotOf(checkout);
      await settleCheckout(manager, { orderId, cartId }, CheckoutStatus.Released);
      return succeed({});
    }
    default: {
      const unknown: never = checkout.status;
      throw new Error(`checkout status ${String(unknown)} is not handled`);
    }
  }
};
