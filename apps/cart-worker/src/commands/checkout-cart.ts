import { FailureCode, type cartCheckout } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { CheckoutStatus } from '../domain/cart-status';
import { checkOut, findCheckoutForUpdate, lockCart, lockOrder } from '../domain/cart-store';
import { snapshotOf } from '../domain/checkout-snapshot';

/**
 * Locks the shopper's cart for the order and hands back a snapshot of its items; the same order
 * checking out again gets the same snapshot, and an order already released or cleared is refused.
 */
export const checkoutCart: CommandHandler<typeof cartCheckout> = async ({ orderId, userId }, { manager }) => {
  await lockOrder(manager, orderId);
  const previous = await findCheckoutForUpdate(manager, orderId);
  if (previous) {
    if (previous.status === CheckoutStatus.Locked) return succeed(snapshotOf(previous));
    return fail(
      FailureCode.InvalidState,
      `Order ${orderId} was already ${previous.status.toLowerCase()}; it can no longer check out the cart.`,
    );
  }

  const cart = await lockCart(manager, userId);
  if (cart?.lockedByOrder) {
    return fail(FailureCode.CartUnavailable, 'Your cart is being checked out by another order.');
  }
  const items = cart && (await checkOut(manager, { orderId, userId, cartId: cart.id }));
  if (!cart || !items) return fail(FailureCode.CartEmpty, 'Your cart is empty.');
  return succeed({ cartId: cart.id, items });
};
