import type { LowStock, OrderItem } from '@saga/contracts';
import { maxProductStock } from './catalogue';
import type { Product } from './product.entity';

/** The shop's low-stock rule: the threshold of every product that has none of its own. */
export interface LowStockSettings {
  readonly defaultThreshold: number;
}

/** The highest threshold a product or the default may have: a product never holds more stock than this. */
export const maxLowStockThreshold = maxProductStock;

/** Where a product's threshold comes from: its own setting, or the worker's default. */
export const LowStockThresholdSource = { Product: 'product', Default: 'default' } as const;
export type LowStockThresholdSource = (typeof LowStockThresholdSource)[keyof typeof LowStockThresholdSource];

/** What the low-stock rule needs to know of a product. */
export type LowStockProduct = Pick<Product, 'id' | 'name' | 'available' | 'lowStockThreshold'>;

/** The threshold that applies to the product: its own, or the default. */
export function lowStockThresholdOf(product: Pick<Product, 'lowStockThreshold'>, settings: LowStockSettings): number {
  return product.lowStockThreshold ?? settings.defaultThreshold;
}

/** Whether the product's threshold is its own or the default. */
export function lowStockThresholdSourceOf(product: Pick<Product, 'lowStockThreshold'>): LowStockThresholdSource {
  return product.lowStockThreshold === null ? LowStockThresholdSource.Default : LowStockThresholdSource.Product;
}

/**
 * The low-stock events of taking these quantities out of the products' available stock: one per
 * product that was at or above its threshold before and is below it after. A product already below
 * stays silent, so each fall below is told once; only stock coming back (release, restock, return)
 * to the threshold or above makes a later fall tell again.
 */
export function lowStockCrossings(
  products: ReadonlyMap<string, LowStockProduct>,
  taken: readonly OrderItem[],
  settings: LowStockSettings,
): LowStock[] {
  return taken.flatMap(({ productId, quantity }) => {
    const product = products.get(productId);
    if (!product) throw new Error(`stock of product ${productId} was taken, but the product was not given`);
    const threshold = lowStockThresholdOf(product, settings);
    const available = product.available - quantity;
    return product.available >= threshold && available < threshold
      ? [{ productId, name: product.name, available, threshold }]
      : [];
  });
}
