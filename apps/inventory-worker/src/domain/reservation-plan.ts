import { formatMoney, maxAmount, type OrderItem, type PricedItem } from '@saga/contracts';

/** What planning needs to know of a product: its name, price and free stock. */
export interface ProductOffer {
  readonly id: string;
  readonly name: string;
  readonly price: number;
  readonly available: number;
}

/** A product the order wants more of than is available. */
export interface Shortage {
  readonly name: string;
  readonly available: number;
  readonly requested: number;
}

/** Whether an order can be reserved as a whole, and if not, why. */
export type ReservationPlan =
  | { readonly kind: 'unknown-products'; readonly productIds: readonly string[] }
  | { readonly kind: 'short'; readonly shortages: readonly Shortage[] }
  | { readonly kind: 'too-large'; readonly total: number }
  | { readonly kind: 'reservable'; readonly items: readonly PricedItem[]; readonly total: number };

/**
 * One line per product, quantities of repeated products added up, sorted by product id: the order in
 * which rows are locked and items are reported, the same for every attempt.
 */
export function mergeOrderItems(items: readonly OrderItem[]): OrderItem[] {
  const quantities = new Map<string, number>();
  for (const { productId, quantity } of items) {
    const id = productId.toLowerCase();
    quantities.set(id, (quantities.get(id) ?? 0) + quantity);
  }
  return [...quantities]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([productId, quantity]) => ({ productId, quantity }));
}

/** Decides whether all of the merged items can be reserved from these products, and prices them if so. */
export function planReservation(
  items: readonly OrderItem[],
  products: ReadonlyMap<string, ProductOffer>,
): ReservationPlan {
  const unknown = items.filter((item) => !products.has(item.productId)).map((item) => item.productId);
  if (unknown.length > 0) return { kind: 'unknown-products', productIds: unknown };
  const offers = items.map((item) => ({ item, product: products.get(item.productId) as ProductOffer }));
  const shortages = offers
    .filter(({ item, product }) => product.available < item.quantity)
    .map(({ item, product }) => ({ name: product.name, available: product.available, requested: item.quantity }));
  if (shortages.length > 0) return { kind: 'short', shortages };
  const priced = offers.map(({ item, product }) => ({ ...item, name: product.name, unitPrice: product.price }));
  const total = priced.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0);
  // Past 2^53 the sum may round, but it only grows, so a total past the limit is always seen here.
  if (total > maxAmount) return { kind: 'too-large', total };
  return { kind: 'reservable', items: priced, total };
}

/** The shopper's sentence for an order whose total is more than one payment may be. */
export function describeTooLarge(total: number): string {
  return `This order comes to ${formatMoney(total, 'USD')}, more than the ${formatMoney(maxAmount, 'USD')} one order may be.`;
}

/** A sentence per short product for the shopper: "Only 3 of Burr Grinder left; 5 requested." */
export function describeShortages(shortages: readonly Shortage[]): string {
  return shortages
    .map(({ name, available, requested }) =>
      available === 0
        ? `None of ${name} left; ${requested} requested.`
        : `Only ${available} of ${name} left; ${requested} requested.`,
    )
    .join(' ');
}

/** The shopper's sentence for products the catalogue does not have. */
export function describeUnknownProducts(productIds: readonly string[]): string {
  return productIds.length === 1
    ? `Product ${productIds[0]} is not in the catalogue.`
    : `Products ${productIds.join(', ')} are not in the catalogue.`;
}
