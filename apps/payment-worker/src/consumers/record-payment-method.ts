import { InvalidMessageError, paymentMethodProvided, PaymentMethodProvided } from '@saga/contracts';
import type { MessageHandler } from '@saga/messaging';
import type { TransactionalMessaging } from '@saga/outbox';
import { recordPaymentMethod } from '../domain/order-payment-methods';

/** Keeps the card each card order was placed with, handed over by order-api; once per event. */
export function recordPaymentMethodOnEvent(messaging: TransactionalMessaging): MessageHandler {
  return async ({ envelope }) => {
    if (envelope.type !== paymentMethodProvided.type) {
      throw new InvalidMessageError(
        `payment-worker takes ${paymentMethodProvided.type} events, not ${envelope.type}`,
        envelope.type,
      );
    }
    const provided = PaymentMethodProvided.parse(envelope.payload);
    await messaging.processOnce('payment-worker', envelope, ({ manager }) => recordPaymentMethod(manager, provided));
  };
}
