import { Queues } from '@saga/contracts';
import type { ServiceDefinition } from '@saga/runtime';
import { commandProcessor } from '@saga/participant';
import type { ProductCatalogue } from './catalogue';
import { cartCommandHandlers } from './commands';
import { cartEntities } from './domain';
import { registerCartRoutes } from './http/cart-routes';
import { cartMigrations } from './migrations';

/** The cart worker's database: its schema, entities and migrations (for the seed and the tests too). */
export const cartDatabase = {
  name: 'cart-worker',
  schema: 'cart',
  entities: cartEntities,
  migrations: cartMigrations,
} as const satisfies Omit<ServiceDefinition, 'wire'>;

/** What the cart worker is built with besides its connections. */
export interface CartWorkerSettings {
  /** Where a product is looked up before it goes in a cart. */
  readonly catalogue: ProductCatalogue;
}

/** The cart worker: owns the cart schema, answers cart.* commands and serves shoppers' cart HTTP. */
export function cartWorkerService({ catalogue }: CartWorkerSettings): ServiceDefinition {
  return {
    ...cartDatabase,
    wire: ({ messaging, logger, dataSource }) => ({
      consumers: [
        {
          queue: Queues.cartCommands,
          handler: commandProcessor({ consumer: 'cart-worker', messaging, handlers: cartCommandHandlers, logger }),
        },
      ],
      routes: (app) => registerCartRoutes(app, { dataSource, catalogue }),
    }),
  };
}
