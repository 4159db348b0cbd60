import { Cents } from '@saga/contracts';
import { z } from 'zod';
import type { Product } from '../domain/product.entity';

/** A product as shoppers see it: what it is, what it costs, how many can be ordered. */
export const ShopperProduct = z.object({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  price: Cents,
  available: z.int().nonnegative(),
});
export type ShopperProduct = z.infer<typeof ShopperProduct>;

/** A product as administrators see it: with the stock held by orders in flight and the stock sold. */
export const AdminProduct = ShopperProduct.extend({
  reserved: z.int().nonnegative(),
  sold: z.int().nonnegative(),
  updatedAt: z.iso.datetime(),
});
export type AdminProduct = z.infer<typeof AdminProduct>;

/** The path parameters of routes about one product. */
export const ProductParams = z.object({ id: z.uuid() });

/** The shopper's view of a product row. */
export function shopperProductOf({ id, sku, name, price, available }: Product): ShopperProduct {
  return { id, sku, name, price, available };
}

/** The administrator's view of a product row. */
export function adminProductOf(product: Product): AdminProduct {
  return {
    ...shopperProductOf(product),
    reserved: product.reserved,
    sold: product.sold,
    updatedAt: product.updatedAt.toISOString(),
  };
}
