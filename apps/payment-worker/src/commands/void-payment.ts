import { FailureCode, type paymentVoid } from '@saga/contracts';
import { fail, succeed, type CommandHandler } from '@saga/participant';
import { PaymentStatus } from '../domain/payment-codes';
import { asProviderPayment } from '../domain/payment.entity';
import { lockPaymentOfOrder, recordTombstone, settlePayment } from '../domain/payments';
import type { PaymentProviders } from '../providers/payment-provider';

/**
 * Releases the order's authorized payment without moving money (the compensation of authorize).
 * With nothing authorized yet it leaves a tombstone, so a late authorize is refused; a payment
 * already voided or declined needs nothing more. A captured payment cannot be voided, only refunded.
 */
export function voidPayment(providers: PaymentProviders): CommandHandler<typeof paymentVoid> {
  return async ({ orderId }, { manager }) => {
    const existing = await lockPaymentOfOrder(manager, orderId);
    switch (existing?.status) {
      case undefined:
        await recordTombstone(manager, orderId);
        return succeed({});
      case PaymentStatus.Voided:
      case PaymentStatus.Declined:
        return succeed({});
      case PaymentStatus.Captured:
        return fail(FailureCode.InvalidState, 'The payment for this order was already taken; it can only be refunded.');
      case PaymentStatus.Authorized: {
        const payment = asProviderPayment(existing);
        await providers.named(payment.provider).void({ payment, idempotencyKey: `${orderId}:void` }, manager);
        await settlePayment(manager, payment, PaymentStatus.Voided);
        return succeed({});
      }
    }
  };
}
