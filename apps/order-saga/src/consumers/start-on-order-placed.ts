import { InvalidMessageError, OrderPlaced } from '@saga/contracts';
import type { MessageHandler } from '@saga/messaging';
import type { SagaOrchestrator } from '@saga/saga';
import { orderSagaInputOf, type OrderSagaInput } from '../saga/order-saga-input';

/** Starts an order saga for every order.placed event, once per event. */
export function startOnOrderPlaced(orchestrator: SagaOrchestrator<OrderSagaInput>): MessageHandler {
  return async ({ envelope }) => {
    if (envelope.type !== 'order.placed') {
      throw new InvalidMessageError(`the order saga starts on order.placed, not ${envelope.type}`, envelope.type);
    }
    const placed = OrderPlaced.parse(envelope.payload);
    await orchestrator.start(envelope, placed.orderId, orderSagaInputOf(placed));
  };
}
