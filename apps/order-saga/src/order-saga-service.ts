import { Queues } from '@saga/contracts';
import { PeriodicTask, type ServiceContext, type ServiceDefinition } from '@saga/runtime';
import {
  finishedSagaRetention,
  orderSaga,
  SagaEvent,
  SagaInstance,
  SagaOrchestrator,
  sagaMigrations,
  withLimits,
  type OrderSagaContext,
} from '@saga/saga';
import { advanceOnReply } from './consumers/advance-on-reply';
import { startOnOrderPlaced } from './consumers/start-on-order-placed';
import { registerSagaAdminRoutes } from './http/saga-admin-routes';
import { registerSagaRoutes } from './http/saga-routes';
import type { OrderSagaConfig } from './order-saga-config';

/** Name under which the orchestrator records processed messages in its inbox. */
const consumer = 'order-saga';

/** The settings of OrderSagaConfig that shape the orchestrator (the rest is any service's). */
export type OrderSagaSettings = Pick<
  OrderSagaConfig,
  | 'SAGA_STEP_TIMEOUT_MS'
  | 'SAGA_MAX_ATTEMPTS'
  | 'SAGA_RETRY_BASE_DELAY_MS'
  | 'SAGA_RETRY_MAX_DELAY_MS'
  | 'DEADLINE_SCAN_INTERVAL_MS'
  | 'SAGA_RETENTION'
>;

/** The orchestrator: runs OrderSaga instances; owns the saga schema and no business data. */
export function orderSagaService(settings: OrderSagaSettings): ServiceDefinition {
  const definition = withLimits(orderSaga, {
    defaultTimeoutMs: settings.SAGA_STEP_TIMEOUT_MS,
    maxAttempts: settings.SAGA_MAX_ATTEMPTS,
    retryBaseDelayMs: settings.SAGA_RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: settings.SAGA_RETRY_MAX_DELAY_MS,
  });
  // One orchestrator per running service, shared by its consumers, its scanner and its routes.
  const orchestrators = new WeakMap<ServiceContext, SagaOrchestrator<OrderSagaContext>>();
  const orchestratorOf = (context: ServiceContext) => {
    let orchestrator = orchestrators.get(context);
    if (!orchestrator) {
      orchestrator = new SagaOrchestrator({
        definition,
        messaging: context.messaging,
        consumer,
        logger: context.logger,
      });
      orchestrators.set(context, orchestrator);
    }
    return orchestrator;
  };

  return {
    name: 'order-saga',
    schema: 'saga',
    entities: [SagaInstance, SagaEvent],
    migrations: sagaMigrations,
    consumers: (context) => [
      { queue: Queues.orderSagaEvents, handler: startOnOrderPlaced(orchestratorOf(context)) },
      { queue: Queues.orderSagaReplies, handler: advanceOnReply(orchestratorOf(context)) },
    ],
    retention: () => (settings.SAGA_RETENTION === null ? [] : [finishedSagaRetention(settings.SAGA_RETENTION)]),
    // Safe in every replica: each overdue saga is claimed by one of them.
    background: (context) => {
      const scanner = new PeriodicTask({
        name: 'deadline scan',
        intervalMs: settings.DEADLINE_SCAN_INTERVAL_MS,
        logger: context.logger,
        pass: async () => {
          const handled = await orchestratorOf(context).expireOverdue();
          if (handled > 0) context.logger.warn('acted on overdue saga steps', { sagas: handled });
        },
      });
      scanner.start();
      return scanner;
    },
    routes: (app, context) => {
      registerSagaRoutes(app, context);
      registerSagaAdminRoutes(app, orchestratorOf(context), context.broker);
    },
  };
}
