import { Queues } from '@saga/contracts';
import { observeGauge } from '@saga/observability';
import { PeriodicTask, type ServiceDefinition } from '@saga/runtime';
import {
  finishedSagaRetention,
  SagaEvent,
  SagaInstance,
  SagaOrchestrator,
  sagaMigrations,
  sagasByStatus,
  withLimits,
  type SagaDefinition,
} from '@saga/saga';
import { advanceOnReply } from './consumers/advance-on-reply';
import { startOnEvent } from './consumers/start-on-event';
import { registerDeadLetterRoutes } from './http/dead-letter-routes';
import { registerSagaOperatorRoutes } from './http/saga-operator-routes';
import { registerSagaReportRoutes } from './http/saga-report-routes';
import { registerSagaRoutes } from './http/saga-routes';
import type { OrderSagaConfig } from './order-saga-config';
import { orderSagaDefinitions } from './saga/order-saga';
import { refundSagaDefinitions } from './saga/refund-saga';
import { SagaRouter } from './saga/saga-router';
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

/** The orchestrator: runs the order and refund sagas; owns the saga schema and no business data. */
export function orderSagaService(settings: OrderSagaSettings): ServiceDefinition {
  const limits = {
    defaultTimeoutMs: settings.SAGA_STEP_TIMEOUT_MS,
    maxAttempts: settings.SAGA_MAX_ATTEMPTS,
    retryBaseDelayMs: settings.SAGA_RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: settings.SAGA_RETRY_MAX_DELAY_MS,
  };
  return {
    name: 'order-saga',
    schema: 'saga',
    entities: [SagaInstance, SagaEvent],
    migrations: sagaMigrations,
    wire: async ({ messaging, logger, dataSource, broker, metrics }) => {
      const orchestratorOf = <Input>(definitions: readonly SagaDefinition<Input>[]) =>
        new SagaOrchestrator({
          definitions: definitions.map((definition) => withLimits(definition, limits)),
          messaging,
          consumer,
          logger,
          metrics,
        });
      observeGauge(metrics, {
        name: 'saga_sagas',
        help: 'Sagas by definition and status, as they are now (finished ones until retention deletes them).',
        labelNames: ['definition', 'status'],
        read: async () =>
          (await sagasByStatus(dataSource.manager)).map(({ definition, status, count }) => ({
            labels: { definition, status },
            value: count,
          })),
      });
      const orders = orchestratorOf(orderSagaDefinitions);
      const refunds = orchestratorOf(refundSagaDefinitions);
      const sagas = new SagaRouter([orders, refunds]);
      // Refuses to start a build whose steps for a version differ from what that version ran with.
      await orders.register();
      await refunds.register();
      // Safe in every replica: each overdue saga is claimed by one of them.
      const deadlineScan = new PeriodicTask({
        name: 'deadline scan',
        intervalMs: settings.DEADLINE_SCAN_INTERVAL_MS,
        logger,
        pass: async () => {
          // Each saga's scan on its own: one that fails holds up no deadline of the other.
          const scans = await Promise.allSettled([orders.expireOverdue(), refunds.expireOverdue()]);
          const handled = scans.reduce((sum, scan) => sum + (scan.status === 'fulfilled' ? scan.value : 0), 0);
          if (handled > 0) logger.warn('acted on overdue saga steps', { sagas: handled });
          const failed = scans.find((scan) => scan.status === 'rejected');
          if (failed) throw failed.reason;
        },
      });
      return {
        consumers: [
          { queue: Queues.orderSagaEvents, handler: startOnEvent({ orders, refunds }) },
          { queue: Queues.orderSagaReplies, handler: advanceOnReply(sagas) },
        ],
        routes: (app) => {
          registerSagaRoutes(app, { dataSource, sagas });
          registerSagaReportRoutes(app, { dataSource, sagas });
          registerSagaOperatorRoutes(app, { dataSource, sagas });
          registerDeadLetterRoutes(app, { dataSource, sagas, broker, logger });
        },
        retention: settings.SAGA_RETENTION === null ? [] : [finishedSagaRetention(settings.SAGA_RETENTION)],
        background: [deadlineScan],
      };
    },
  };
}
