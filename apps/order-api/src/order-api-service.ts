import { Queues } from '@saga/contracts';
import type { ServiceDefinition } from '@saga/runtime';
import { commandProcessor } from '@saga/participant';
import { orderCommandHandlers } from './commands';
import { trackSagaAttention } from './consumers/track-saga-attention';
import { IdempotencyKey } from './domain/idempotency-key.entity';
import { OrderLine } from './domain/order-line.entity';
import { Order } from './domain/order.entity';
import { expiredIdempotencyKeys } from './domain/place-order';
import { Refund } from './domain/refund.entity';
import { registerOrderRoutes, type OrderRateLimits } from './http/order-routes';
import { registerRefundRoutes } from './http/refund-routes';
import { CreateOrders1732200001000 } from './migrations/1732200001000-create-orders';
import { AddOrderAttention1732200001100 } from './migrations/1732200001100-add-order-attention';
import { MoneyInBigint1732200001200 } from './migrations/1732200001200-money-in-bigint';
import { Refunds1732200001300 } from './migrations/1732200001300-refunds';
import { IdempotencyKeysPerUser1732200001400 } from './migrations/1732200001400-idempotency-keys-per-user';

/** What shapes order-api: how long an Idempotency-Key answers a retry, how fast orders may come. */
export interface OrderApiSettings {
  readonly idempotencyKeyTtlMs: number;
  readonly orderRateLimits: OrderRateLimits;
}

/** The settings order-api runs with when nothing says otherwise. */
export const defaultOrderApiSettings: OrderApiSettings = {
  idempotencyKeyTtlMs: 86_400_000,
  orderRateLimits: { perUser: 30, perAddress: 300 },
};

/** The order service: the public HTTP order and refund API, the orders schema, and the order.* commands. */
export function orderApiService(settings: OrderApiSettings): ServiceDefinition {
  return {
    name: 'order-api',
    schema: 'orders',
    entities: [Order, OrderLine, IdempotencyKey, Refund],
    migrations: [
      CreateOrders1732200001000,
      AddOrderAttention1732200001100,
      MoneyInBigint1732200001200,
      Refunds1732200001300,
      IdempotencyKeysPerUser1732200001400,
    ],
    wire: ({ messaging, logger, dataSource }) => ({
      consumers: [
        {
          queue: Queues.orderApiCommands,
          handler: commandProcessor({ consumer: 'order-api', messaging, logger, handlers: orderCommandHandlers }),
        },
        { queue: Queues.orderApiEvents, handler: trackSagaAttention(messaging) },
      ],
      routes: (app) => {
        registerOrderRoutes(app, {
          messaging,
          dataSource,
          idempotencyKeyTtlMs: settings.idempotencyKeyTtlMs,
          rateLimits: settings.orderRateLimits,
        });
        registerRefundRoutes(app, { messaging, dataSource });
      },
      retention: [expiredIdempotencyKeys(settings.idempotencyKeyTtlMs)],
    }),
  };
}
