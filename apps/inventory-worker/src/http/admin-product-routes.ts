import { Cents, personText } from '@saga/contracts';
import { Role, staff } from '@saga/identity';
import { HttpProblem, type HttpApp, LedgerPageQuery } from '@saga/runtime';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { addProduct, restockProduct, setLowStockThreshold, SkuTakenError, StockLimitError } from '../domain/catalogue';
import { maxLowStockThreshold, type LowStockSettings } from '../domain/low-stock';
import { Product } from '../domain/product.entity';
import { StockLedgerEntry } from '../domain/stock-ledger-entry.entity';
import { StockMovementKind } from '../domain/stock-movement';
import { AdminProduct, adminProductOf, ProductParams } from './product-views';

/** Every route here is the shop's: it needs the admin role. */
const admins = { access: staff(Role.Admin) };

/** What the admin routes change and read, and the low-stock threshold of products without their own. */
export interface AdminProductRoutesContext {
  readonly dataSource: DataSource;
  readonly lowStock: LowStockSettings;
}

const maxStock = 1_000_000;

/** Below this many available units the product is low on stock. */
const LowStockThreshold = z.int().min(1).max(maxLowStockThreshold);

const NewProductBody = z.object({
  sku: personText(64),
  name: personText(200),
  price: Cents,
  stock: z.int().nonnegative().max(maxStock),
  lowStockThreshold: LowStockThreshold.optional().meta({
    description: "The product's own low-stock threshold; without it the product follows the default.",
  }),
});

const RestockBody = z.object({ quantity: z.int().positive().max(maxStock) });

const LowStockThresholdBody = z.object({
  lowStockThreshold: LowStockThreshold.nullable().meta({
    description: "The product's own low-stock threshold, or null to follow the default again.",
  }),
});

const LedgerEntry = z.object({
  id: z.string(),
  orderId: z.uuid().nullable(),
  kind: z.enum(Object.values(StockMovementKind)),
  quantity: z.int().positive(),
  at: z.iso.datetime(),
});

const LedgerPage = z.object({
  productId: z.uuid(),
  entries: z.array(LedgerEntry),
  /** Pass as `after` to read on; null when this page reached the end. */
  next: z.string().nullable(),
});

/**
 * Registers the administrators' routes: add a product, restock it, set its low-stock threshold, and
 * read its stock ledger (oldest first, a page at a time).
 */
export function registerAdminProductRoutes(app: HttpApp, { dataSource, lowStock }: AdminProductRoutesContext): void {
  app.post(
    '/admin/products',
    { config: admins, schema: { body: NewProductBody, response: { 201: AdminProduct } } },
    async (request, reply) => {
      try {
        const product = await dataSource.transaction((manager) => addProduct(manager, request.body));
        return reply.status(201).header('location', `/products/${product.id}`).send(adminProductOf(product, lowStock));
      } catch (error) {
        if (error instanceof SkuTakenError) throw HttpProblem.conflict(error.message, { sku: error.sku });
        throw error;
      }
    },
  );

  app.post(
    '/admin/products/:id/restock',
    { config: admins, schema: { params: ProductParams, body: RestockBody, response: { 200: AdminProduct } } },
    async (request) => {
      const product = await dataSource
        .transaction((manager) => restockProduct(manager, request.params.id, request.body.quantity))
        .catch((error: unknown) => {
          if (error instanceof StockLimitError) throw HttpProblem.unprocessable(error.message, { field: 'quantity' });
          throw error;
        });
      if (!product) throw HttpProblem.notFound(`no product ${request.params.id}`);
      return adminProductOf(product, lowStock);
    },
  );

  app.put(
    '/admin/products/:id/low-stock-threshold',
    {
      config: admins,
      schema: { params: ProductParams, body: LowStockThresholdBody, response: { 200: AdminProduct } },
    },
    async (request) => {
      const product = await dataSource.transaction((manager) =>
        setLowStockThreshold(manager, request.params.id, request.body.lowStockThreshold),
      );
      if (!product) throw HttpProblem.notFound(`no product ${request.params.id}`);
      return adminProductOf(product, lowStock);
    },
  );

  app.get(
    '/admin/products/:id/ledger',
    { config: admins, schema: { params: ProductParams, querystring: LedgerPageQuery, response: { 200: LedgerPage } } },
    async (request) => {
      const productId = request.params.id;
      if (!(await dataSource.manager.existsBy(Product, { id: productId }))) {
        throw HttpProblem.notFound(`no product ${productId}`);
      }
      const { after, limit } = request.query;
      const query = dataSource.manager
        .getRepository(StockLedgerEntry)
        .createQueryBuilder('entry')
        .where('entry.product_id = :productId', { productId })
        .orderBy('entry.id', 'ASC')
        .limit(limit);
      if (after !== undefined) query.andWhere('entry.id > :after', { after });
      const entries = await query.getMany();
      return {
        productId,
        entries: entries.map(({ id, orderId, kind, quantity, at }) => ({
          id,
          orderId,
          kind,
          quantity,
          at: at.toISOString(),
        })),
        next: entries.length === limit ? entries[entries.length - 1].id : null,
      };
    },
  );
}
