import type { Check, RuleInput } from './rule';
import { label, terminal } from './tally';

/** No cart is left locked; each is emptied by its completed order, intact after a failed one. */
export function checkCarts({ snapshot, load }: RuleInput, check: Check): void {
  const { carts, checkouts, orders } = snapshot;
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const checkoutOf = new Map(checkouts.map((c) => [c.order_id, c]));
  const placed = load.placed;
  check('carts or checkouts left LOCKED', [
    ...carts.filter((c) => c.status === 'LOCKED').map((c) => c.user_id),
    ...checkouts.filter((c) => c.status === 'LOCKED').map((c) => c.order_id),
  ]);
  const cartOf = new Map(carts.map((c) => [c.user_id, c]));
  const sorted = (items: readonly { productId: string; quantity: number }[]) =>
    JSON.stringify(
      [...items].sort((a, b) => a.productId.localeCompare(b.productId)).map((i) => [i.productId, i.quantity]),
    );
  check(
    'carts not emptied by their COMPLETED order, or not intact after their FAILED one',
    placed
      .filter((p) => p.cart.length > 0 && terminal(orderById.get(p.orderId)?.status ?? ''))
      .filter((p) => {
        const completed = orderById.get(p.orderId)!.status === 'COMPLETED';
        const cart = cartOf.get(p.userId);
        if (completed) return checkoutOf.get(p.orderId)?.status !== 'CLEARED' || (cart?.items.length ?? 0) !== 0;
        return cart?.status !== 'OPEN' || sorted(cart.items) !== sorted(p.cart);
      })
      .map(label),
  );
}
