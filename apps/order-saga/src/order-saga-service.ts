import { Queues } from '@saga/contracts';
import type { ServiceContext, ServiceDefinition } from '@saga/runtime';
import { CreateSagaTables1732200000100, orderSaga, SagaEvent, SagaInstance, SagaOrchestrator } from '@saga/saga';
import { advanceOnReply } from './consumers/advance-on-reply';
import { startOnOrderPlaced } from './consumers/start-on-order-placed';
import { registerSagaRoutes } from './http/saga-routes';

/** Name under which the orchestrator records processed messages in its inbox. */
const consumer = 'order-saga';

function orchestratorFor({ messaging, logger }: ServiceContext) {
  return new SagaOrchestrator({ definition: orderSaga, messaging, consumer, logger });
}

/** The orchestrator: runs OrderSaga instances; owns the saga schema and no business data. */
export const orderSagaService: ServiceDefinition = {
  name: 'order-saga',
  schema: 'saga',
  entities: [SagaInstance, SagaEvent],
  migrations: [CreateSagaTables1732200000100],
  consumers: (context) => {
    const orchestrator = orchestratorFor(context);
    return [
      { queue: Queues.orderSagaEvents, handler: startOnOrderPlaced(orchestrator) },
      { queue: Queues.orderSagaReplies, handler: advanceOnReply(orchestrator) },
    ];
  },
  routes: registerSagaRoutes,
};
