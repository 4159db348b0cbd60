import { InvalidMessageError, OrderPlaced, orderPlaced, RefundRequested, refundRequested } from '@saga/contracts';
import type { MessageHandler } from '@saga/messaging';
import type { SagaOrchestrator } from '@saga/saga';
import { orderSagaInputOf, type OrderSagaInput } from '../saga/order-saga-input';
import { refundSagaInputOf, type RefundSagaInput } from '../saga/refund-saga-input';

/** The orchestrators the events start sagas on. */
export interface StartedSagas {
  readonly orders: SagaOrchestrator<OrderSagaInput>;
  readonly refunds: SagaOrchestrator<RefundSagaInput>;
}

/**
 * Starts a saga per event, once per event: an order saga for every order.placed, a refund saga for
 * every order.refund-requested (the refund's id is its correlation id).
 */
export function startOnEvent({ orders, refunds }: StartedSagas): MessageHandler {
  return async ({ envelope }) => {
    switch (envelope.type) {
      case orderPlaced.type: {
        const placed = OrderPlaced.parse(envelope.payload);
        await orders.start(envelope, placed.orderId, orderSagaInputOf(placed));
        return;
      }
      case refundRequested.type: {
        const requested = RefundRequested.parse(envelope.payload);
        await refunds.start(envelope, requested.refundId, refundSagaInputOf(requested));
        return;
      }
      default:
        throw new InvalidMessageError(
          `sagas start on ${orderPlaced.type} or ${refundRequested.type}, not ${envelope.type}`,
          envelope.type,
        );
    }
  };
}
