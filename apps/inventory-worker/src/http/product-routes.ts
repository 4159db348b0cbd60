import { HttpProblem, type HttpApp } from '@saga/runtime';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { LowStockSettings } from '../domain/low-stock';
import { Product } from '../domain/product.entity';
import { ProductParams, ShopperProduct, shopperProductOf } from './product-views';

/** What the product routes read from, and the default low-stock threshold they show for products without their own. */
export interface ProductRoutesContext {
  readonly dataSource: DataSource;
  readonly lowStock: LowStockSettings;
}

/** Registers the shoppers' catalogue, open to anyone: GET /products and GET /products/:id. */
export function registerProductRoutes(app: HttpApp, { dataSource, lowStock }: ProductRoutesContext): void {
  app.get(
    '/products',
    { config: { access: 'anyone' }, schema: { response: { 200: z.object({ products: z.array(ShopperProduct) }) } } },
    async () => {
      const products = await dataSource.manager.find(Product, { order: { name: 'ASC', id: 'ASC' } });
      return { products: products.map((product) => shopperProductOf(product, lowStock)) };
    },
  );

  app.get(
    '/products/:id',
    { config: { access: 'anyone' }, schema: { params: ProductParams, response: { 200: ShopperProduct } } },
    async (request) => {
      const product = await dataSource.manager.findOneBy(Product, { id: request.params.id });
      if (!product) throw HttpProblem.notFound(`no product ${request.params.id}`);
      return shopperProductOf(product, lowStock);
    },
  );
}
