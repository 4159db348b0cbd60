import { openServiceDatabase } from '@saga/runtime';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import type { DataSource } from 'typeorm';
import { addProduct, restockProduct, type NewProduct } from '../domain/catalogue';
import type { LowStockSettings } from '../domain/low-stock';
import type { Product } from '../domain/product.entity';
import { inventoryDatabase } from '../inventory-worker-service';

/** The low-stock rule of the specs: the worker's default, a threshold of 5 for products without their own. */
export const testLowStock: LowStockSettings = { defaultThreshold: 5 };

/** A migrated inventory schema on a fresh database, and ways to drive and inspect it in tests. */
export interface InventoryDatabase {
  readonly infrastructure: TestInfrastructure;
  readonly dataSource: DataSource;
  /** Adds a product with a unique SKU; the defaults cost 1000 cents with 10 in stock. */
  addProduct(overrides?: Partial<NewProduct>): Promise<Product>;
  /** Adds stock to a product through the ledger. */
  restock(productId: string, quantity: number): Promise<void>;
  /** The product's counters as they are now. */
  stockOf(productId: string): Promise<{ available: number; reserved: number; sold: number }>;
  /**
   * Checks the stock invariant on every product: available + reserved + sold equals all stock ever
   * added by restocks, and each counter equals what the ledger's movements add up to.
   */
  stockDiscrepancies(): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Provisions a database, migrates the inventory schema into it and returns helpers over it. */
export async function openInventoryDatabase(): Promise<InventoryDatabase> {
  const infrastructure = await provisionTestInfrastructure();
  const dataSource = await openServiceDatabase(inventoryDatabase, infrastructure.databaseUrl, { poolSize: 20 });
  let skus = 0;

  return {
    infrastructure,
    dataSource,
    addProduct: (overrides = {}) =>
      dataSource.transaction((manager) =>
        addProduct(manager, { sku: `SKU-${++skus}`, name: `Product ${skus}`, price: 1000, stock: 10, ...overrides }),
      ),
    async restock(productId, quantity) {
      await dataSource.transaction((manager) => restockProduct(manager, productId, quantity));
    },
    async stockOf(productId) {
      const [row] = await dataSource.query('SELECT available, reserved, sold FROM inventory.products WHERE id = $1', [
        productId,
      ]);
      return row;
    },
    stockDiscrepancies: () =>
      dataSource.query(`
        WITH moved AS (
          SELECT p.id, p.available, p.reserved, p.sold,
            coalesce(sum(l.quantity) FILTER (WHERE l.kind = 'restock'), 0) AS restocked,
            coalesce(sum(l.quantity) FILTER (WHERE l.kind = 'reserve'), 0) AS reserves,
            coalesce(sum(l.quantity) FILTER (WHERE l.kind = 'release'), 0) AS releases,
            coalesce(sum(l.quantity) FILTER (WHERE l.kind = 'commit'), 0) AS commits,
            coalesce(sum(l.quantity) FILTER (WHERE l.kind = 'return'), 0) AS returns
          FROM inventory.products p LEFT JOIN inventory.stock_ledger l ON l.product_id = p.id
          GROUP BY p.id)
        SELECT * FROM moved
        WHERE available + reserved + sold <> restocked
          OR available <> restocked - reserves + releases + returns
          OR reserved <> reserves - releases - commits
          OR sold <> commits - returns`),
    async close() {
      await dataSource.destroy();
      await infrastructure.teardown();
    },
  };
}
