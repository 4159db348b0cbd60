import { Queues } from '@saga/contracts';
import type { ServiceDefinition } from '@saga/runtime';
import { commandProcessor } from '@saga/participant';
import { inventoryHandlers } from './commands';
import { inventoryEntities } from './domain';
import type { LowStockSettings } from './domain/low-stock';
import { registerAdminProductRoutes } from './http/admin-product-routes';
import { registerProductRoutes } from './http/product-routes';
import { inventoryMigrations } from './migrations';

/** The inventory worker's database: its schema, entities and migrations (for the seed and the tests too). */
export const inventoryDatabase = {
  name: 'inventory-worker',
  schema: 'inventory',
  entities: inventoryEntities,
  migrations: inventoryMigrations,
} as const satisfies Omit<ServiceDefinition, 'wire'>;

/** What the inventory worker is built with besides its connections. */
export interface InventoryWorkerSettings {
  /** The threshold of products without their own, below which the shop is told to restock. */
  readonly lowStock: LowStockSettings;
}

/** The inventory worker: owns products, stock, reservations and the stock ledger; serves inventory.* commands. */
export function inventoryWorkerService({ lowStock }: InventoryWorkerSettings): ServiceDefinition {
  return {
    ...inventoryDatabase,
    wire: ({ messaging, logger, dataSource }) => ({
      consumers: [
        {
          queue: Queues.inventoryCommands,
          handler: commandProcessor({
            consumer: 'inventory-worker',
            messaging,
            handlers: inventoryHandlers(lowStock),
            logger,
          }),
        },
      ],
      routes: (app) => {
        registerProductRoutes(app, { dataSource, lowStock });
        registerAdminProductRoutes(app, { dataSource, lowStock });
      },
    }),
  };
}
