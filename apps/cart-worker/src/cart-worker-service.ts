import { Queues } from '@saga/contracts';
import type { ServiceDefinition } from '@saga/runtime';
import { commandProcessor } from '@saga/participant';
import { cartCommandHandlers } from './commands';
import { cartEntities } from './domain';
import { registerCartRoutes } from './http/cart-routes';
import { cartMigrations } from './migrations';

/** The cart worker: owns the cart schema, answers cart.* commands and serves shoppers' cart HTTP. */
export const cartWorkerService: ServiceDefinition = {
  name: 'cart-worker',
  schema: 'cart',
  entities: cartEntities,
  migrations: cartMigrations,
  wire: ({ messaging, logger, dataSource }) => ({
    consumers: [
      {
        queue: Queues.cartCommands,
        handler: commandProcessor({ consumer: 'cart-worker', messaging, handlers: cartCommandHandlers, logger }),
      },
    ],
    routes: (app) => registerCartRoutes(app, { dataSource }),
  }),
};
