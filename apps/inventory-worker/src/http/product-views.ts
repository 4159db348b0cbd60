import { Cents } from '@saga/contracts';
import { z } from 'zod';
import {
  LowStockThresholdSource,
  lowStockThresholdOf,
  lowStockThresholdSourceOf,
  type LowStockSettings,
} from '../domain/low-stock';
import type { Product } from '../domain/product.entity';

/** A product as shoppers see it: what it is, what it costs, how many can be ordered. */
export const ShopperProduct = z.object({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  price: Cents,
  available: z.int().nonnegative(),
  lowStockThreshold: z.int().positive().meta({
    description: 'Below this many available units the product is low on stock: its own threshold, or the default.',
  }),
});
export type ShopperProduct = z.infer<typeof ShopperProduct>;

/** A product as administrators see it: with the stock held by orders in flight and the stock sold. */
export const AdminProduct = ShopperProduct.extend({
  reserved: z.int().nonnegative(),
  sold: z.int().nonnegative(),
  lowStockThresholdSource: z.enum(Object.values(LowStockThresholdSource)).meta({
    description: "Whether lowStockThreshold is the product's own or the worker's default (LOW_STOCK_THRESHOLD).",
  }),
  updatedAt: z.iso.datetime(),
});
export type AdminProduct = z.infer<typeof AdminProduct>;

/** The path parameters of routes about one product. */
export const ProductParams = z.object({ id: z.uuid() });

/** The shopper's view of a product row. */
export function shopperProductOf(product: Product, lowStock: LowStockSettings): ShopperProduct {
  const { id, sku, name, price, available } = product;
  return { id, sku, name, price, available, lowStockThreshold: lowStockThresholdOf(product, lowStock) };
}

/** The administrator's view of a product row. */
export function adminProductOf(product: Product, lowStock: LowStockSettings): AdminProduct {
  return {
    ...shopperProductOf(product, lowStock),
    reserved: product.reserved,
    sold: product.sold,
    lowStockThresholdSource: lowStockThresholdSourceOf(product),
    updatedAt: product.updatedAt.toISOString(),
  };
}
