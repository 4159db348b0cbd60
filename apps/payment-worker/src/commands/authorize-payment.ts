import { randomUUID } from 'node:crypto';
import { FailureCode, type PaymentMethod, type paymentAuthorize } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { PaymentStatus } from '../domain/payment-codes';
import { asProviderPayment, recordedFailure } from '../domain/payment.entity';
import { takePaymentMethod } from '../domain/order-payment-methods';
import { lockPaymentOfOrder, recordPayment } from '../domain/payments';
import type { AuthorizationRequest, PaymentProviders } from '../providers/payment-provider';

/**
 * Holds the order's total with the provider of its payment method and records the payment; a card's
 * token comes from what order-api handed over for the order, and goes with this transaction. Asked
 * again for the same order, it answers as the first time (the same payment, or the same decline);
 * once the order's payment was voided, it refuses.
 */
export function authorizePayment(providers: PaymentProviders): CommandHandler<typeof paymentAuthorize> {
  return async (payload, { manager }) => {
    const existing = await lockPaymentOfOrder(manager, payload.orderId);
    switch (existing?.status) {
      case undefined:
        break;
      case PaymentStatus.Authorized:
      case PaymentStatus.Captured:
        return succeed({ paymentId: existing.id, provider: asProviderPayment(existing).provider });
      case PaymentStatus.Declined: {
        const failure = recordedFailure(existing);
        return fail(failure.code, failure.message);
      }
      case PaymentStatus.Voided:
        return fail(
          FailureCode.InvalidState,
          'The payment for this order was cancelled; it can no longer be authorized.',
        );
    }

    const provider = providers.forMethod(payload.paymentMethod);
    const method: PaymentMethod =
      payload.paymentMethod.method === 'card' ? await takePaymentMethod(manager, payload) : { method: 'wallet' };
    const request: AuthorizationRequest = {
      paymentId: randomUUID(),
      orderId: payload.orderId,
      userId: payload.userId,
      amount: payload.amount,
      currency: payload.currency,
      method,
      idempotencyKey: `${payload.orderId}:authorize`,
    };
    const outcome = await provider.authorize(request, manager);
    const payment = {
      id: request.paymentId,
      orderId: request.orderId,
      userId: request.userId,
      provider: provider.name,
      amount: request.amount,
      currency: request.currency,
    };
    if (outcome.status === 'declined') {
      await recordPayment(manager, {
        ...payment,
        status: PaymentStatus.Declined,
        failureCode: outcome.code,
        failureMessage: outcome.message,
      });
      return fail(outcome.code, outcome.message);
    }
    await recordPayment(manager, { ...payment, status: PaymentStatus.Authorized, providerRef: outcome.providerRef });
    return succeed({ paymentId: payment.id, provider: provider.name });
  };
}
