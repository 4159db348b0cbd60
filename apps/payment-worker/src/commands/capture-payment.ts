import { FailureCode, type paymentCapture } from '@saga/contracts';
import { callFirst, fail, succeed, type CallingCommandHandler } from '@saga/participant';
import { PaymentStatus, ProviderName } from '../domain/payment-codes';
import { asProviderPayment, type Payment, type ProviderPayment } from '../domain/payment.entity';
import { commandCause, lockPaymentOfOrder, settlePayment, wasCaptured } from '../domain/payments';
import {
  settlementOf,
  type CardProviders,
  type CardSettlement,
  type CardSettlementRequest,
} from '../providers/payment-provider';
import { walletProvider } from '../providers/wallet-provider';

type CaptureHandler = CallingCommandHandler<typeof paymentCapture, CardSettlementRequest, CardSettlement>;

/**
 * Takes the money of the order's authorized payment: the saga's point of no return. A wallet is
 * debited in the command's transaction; a card is captured by its provider with no transaction open,
 * under the order's capture key, and recorded after. Asked again, it answers with the same capture
 * and takes nothing more; without an authorized payment it refuses.
 */
export function capturePayment(cards: CardProviders): CaptureHandler {
  return {
    async decide({ orderId }, { manager, envelope }) {
      const existing = await lockPaymentOfOrder(manager, orderId);
      if (existing?.status !== PaymentStatus.Authorized) return recordedAnswer(existing);
      const payment = asProviderPayment(existing);
      if (payment.provider !== ProviderName.Wallet) return callFirst(captureOf(payment));
      await walletProvider.capture(manager, payment);
      await settlePayment(manager, payment, PaymentStatus.Captured, commandCause(envelope));
      return captured(payment);
    },

    call: (request) => cards.capture(request),

    async conclude({ orderId }, _request, answer, { manager, envelope }) {
      const existing = await lockPaymentOfOrder(manager, orderId);
      // Another delivery recorded the capture first, or the payment changed meanwhile.
      if (existing?.status !== PaymentStatus.Authorized) return recordedAnswer(existing);
      if (answer.status === 'refused') {
        return fail(FailureCode.InvalidState, `The card payment could not be taken: ${answer.reason}`);
      }
      await settlePayment(manager, asProviderPayment(existing), PaymentStatus.Captured, commandCause(envelope));
      return captured(existing);
    },
  };
}

function captureOf(payment: ProviderPayment): CardSettlementRequest {
  if (payment.providerRef === null) throw new Error(`authorized payment ${payment.id} has no provider reference`);
  const { provider, providerRef, amount } = payment;
  return settlementOf(payment.orderId, 'capture', { provider, providerRef, amount });
}

/** The answer for a payment that is not AUTHORIZED: the capture it had (refunded since or not), or why it cannot be taken. */
function recordedAnswer(existing: Payment | null) {
  if (!existing) return fail(FailureCode.InvalidState, 'There is no authorized payment for this order to take.');
  if (wasCaptured(existing)) return captured(existing);
  return fail(
    FailureCode.InvalidState,
    `The payment for this order is ${existing.status.toLowerCase().replaceAll('_', ' ')}; it cannot be taken.`,
  );
}

function captured(payment: Payment) {
  return succeed({ paymentId: payment.id, amount: payment.amount });
}
