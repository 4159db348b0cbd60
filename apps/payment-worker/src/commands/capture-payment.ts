import { FailureCode, type paymentCapture } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { PaymentStatus } from '../domain/payment-codes';
import { asProviderPayment } from '../domain/payment.entity';
import { lockPaymentOfOrder, settlePayment } from '../domain/payments';
import type { PaymentProviders } from '../providers/payment-provider';

/**
 * Takes the money of the order's authorized payment: the saga's point of no return. Asked again,
 * it answers with the same capture and takes nothing more; without an authorized payment it refuses.
 */
export function capturePayment(providers: PaymentProviders): CommandHandler<typeof paymentCapture> {
  return async ({ orderId }, { manager }) => {
    const existing = await lockPaymentOfOrder(manager, orderId);
    switch (existing?.status) {
      case undefined:
        return fail(FailureCode.InvalidState, 'There is no authorized payment for this order to take.');
      case PaymentStatus.Voided:
      case PaymentStatus.Declined:
        return fail(
          FailureCode.InvalidState,
          `The payment for this order is ${existing.status.toLowerCase()}; it cannot be taken.`,
        );
      case PaymentStatus.Captured:
        return succeed({ paymentId: existing.id, amount: existing.amount });
      case PaymentStatus.Authorized: {
        const payment = asProviderPayment(existing);
        await providers.named(payment.provider).capture({ payment, idempotencyKey: `${orderId}:capture` }, manager);
        await settlePayment(manager, payment, PaymentStatus.Captured);
        return succeed({ paymentId: payment.id, amount: payment.amount });
      }
    }
  };
}
