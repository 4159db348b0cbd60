import { Queues } from '@saga/contracts';
import type { ServiceDefinition } from '@saga/runtime';
import { commandProcessor } from '@saga/participant';
import { inventoryHandlers } from './commands';
import { inventoryEntities } from './domain';
import { registerAdminProductRoutes } from './http/admin-product-routes';
import { registerProductRoutes } from './http/product-routes';
import { inventoryMigrations } from './migrations';

/** The inventory worker: owns products, stock, reservations and the stock ledger; serves inventory.* commands. */
export const inventoryWorkerService: ServiceDefinition = {
  name: 'inventory-worker',
  schema: 'inventory',
  entities: inventoryEntities,
  migrations: inventoryMigrations,
  wire: ({ messaging, logger, dataSource }) => ({
    consumers: [
      {
        queue: Queues.inventoryCommands,
        handler: commandProcessor({ consumer: 'inventory-worker', messaging, handlers: inventoryHandlers, logger }),
      },
    ],
    routes: (app) => {
      registerProductRoutes(app, { dataSource });
      registerAdminProductRoutes(app, { dataSource });
    },
  }),
};
