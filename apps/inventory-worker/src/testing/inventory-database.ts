import { newEnvelope } from '@saga/contracts';
import { randomUUID } from 'node:crypto';
import type { CommandContract, CommandPayload, CommandResult } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { messagingEntities, messagingMigrations } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import type { CommandHandler, CommandOutcome } from '@saga/saga';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import type { DataSource } from 'typeorm';
import { addProduct, restockProduct, type NewProduct } from '../domain/catalogue';
import { inventoryEntities } from '../domain';
import type { Product } from '../domain/product.entity';
import { inventoryMigrations } from '../migrations';

/** A migrated inventory schema on a fresh database, and ways to drive and inspect it in tests. */
export interface InventoryDatabase {
  readonly infrastructure: TestInfrastructure;
  readonly dataSource: DataSource;
  /** Runs a command handler in its own transaction, as the command processor would. */
  handle<C extends CommandContract>(
    contract: C,
    handler: CommandHandler<C>,
    payload: CommandPayload<C>,
  ): Promise<CommandOutcome<CommandResult<C>>>;
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
  const dataSource = createServiceDataSource({
    url: infrastructure.databaseUrl,
    schema: 'inventory',
    entities: [...messagingEntities, ...inventoryEntities],
    migrations: [...messagingMigrations, ...inventoryMigrations],
    poolSize: 20,
  });
  await initializeDataSource(dataSource);
  const logger = createLogger({ service: 'inventory-worker-test', level: 'error' });
  let skus = 0;

  return {
    infrastructure,
    dataSource,
    handle: (contract, handler, payload) =>
      dataSource.transaction((manager) => {
        const envelope = newEnvelope({
          type: contract.type,
          payload,
          sagaId: randomUUID(),
          correlationId: randomUUID(),
          causationId: null,
        });
        const send = () => {
          throw new Error('inventory handlers send nothing but their reply');
        };
        return handler(payload, { manager, envelope, logger, send });
      }),
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
            coalesce(sum(l.quantity) FILTER (WHERE l.kind = 'commit'), 0) AS commits
          FROM inventory.products p LEFT JOIN inventory.stock_ledger l ON l.product_id = p.id
          GROUP BY p.id)
        SELECT * FROM moved
        WHERE available + reserved + sold <> restocked
          OR available <> restocked - reserves + releases
          OR reserved <> reserves - releases - commits
          OR sold <> commits`),
    async close() {
      await dataSource.destroy();
      await infrastructure.teardown();
    },
  };
}
