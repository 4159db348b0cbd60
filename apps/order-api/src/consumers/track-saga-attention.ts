import { InvalidMessageError, SagaResumed, SagaStalled } from '@saga/contracts';
import type { MessageHandler } from '@saga/messaging';
import type { TransactionalMessaging } from '@saga/outbox';
import { Order } from '../domain/order.entity';

/**
 * Shows on the order when its saga stalls and needs a person (saga.stalled), and clears that when an
 * operator resumes it (saga.resumed). Applied once per event.
 */
export function trackSagaAttention(messaging: TransactionalMessaging): MessageHandler {
  return async ({ envelope }) => {
    await messaging.processOnce('order-api', envelope, async ({ manager }) => {
      const orders = manager.getRepository(Order);
      switch (envelope.type) {
        case 'saga.stalled': {
          const { correlationId, reason } = SagaStalled.parse(envelope.payload);
          await orders.update({ id: correlationId }, { attentionReason: reason, attentionSince: () => 'now()' });
          return;
        }
        case 'saga.resumed': {
          const { correlationId } = SagaResumed.parse(envelope.payload);
          await orders.update({ id: correlationId }, { attentionReason: null, attentionSince: null });
          return;
        }
        default:
          throw new InvalidMessageError(
            `order-api tracks saga.stalled and saga.resumed, not ${envelope.type}`,
            envelope.type,
          );
      }
    });
  };
}
