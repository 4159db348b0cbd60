import { FailureCode, type cartClear } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { CheckoutStatus } from '../domain/cart-status';
import { snapshotOf } from '../domain/checkout-snapshot';
import { findCheckoutForUpdate, lockOrder, settleCheckout } from '../domain/cart-store';

/**
 * Empties the cart the paid order was placed from and unlocks it. Clearing again is a no-op: what the
 * shopper put in the cart after the order belongs to their next order.
 */
export const clearCart: CommandHandler<typeof cartClear> = async ({ orderId }, { manager }) => {
  await lockOrder(manager, orderId);
  const checkout = await findCheckoutForUpdate(manager, orderId);
  if (!checkout)
    return fail(FailureCode.InvalidState, `Order ${orderId} never checked out a cart; there is nothing to clear.`);
  switch (checkout.status) {
    case CheckoutStatus.Cleared:
      return succeed({});
    case CheckoutStatus.Released:
      return fail(FailureCode.InvalidState, `Order ${orderId} gave its cart back; it cannot be cleared.`);
    case CheckoutStatus.Locked: {
      const { cartId } = snapshotOf(checkout);
      await settleCheckout(manager, { orderId, cartId }, CheckoutStatus.Cleared);
      return succeed({});
    }
    default: {
      const unknown: never = checkout.status;
      throw new Error(`checkout status ${String(unknown)} is not handled`);
    }
  }
};
