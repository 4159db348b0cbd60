import { FailureCode, formatMoney, type paymentRefund } from '@saga/contracts';
import { callFirst, fail, succeed, type CallingCommandHandler } from '@saga/participant';
import { PaymentRefund, PaymentRefundStatus } from '../domain/payment-refund.entity';
import { ProviderName } from '../domain/payment-codes';
import { asProviderPayment, type Payment } from '../domain/payment.entity';
import { commandCause, lockPaymentOfOrder, recordRefund, reserveRefund, wasCaptured } from '../domain/payments';
import { moveWalletMoney } from '../domain/wallets';
import type { CardProviders, CardRefund, CardRefundRequest } from '../providers/payment-provider';

type RefundHandler = CallingCommandHandler<typeof paymentRefund, CardRefundRequest, CardRefund>;

/**
 * Gives captured money back for one refund of the order, once per refund id: a wallet is credited
 * in the command's transaction; a card's refund is set aside (PENDING) first, made by its provider
 * with no transaction open under the refund's key, and recorded after. Refunds of a payment never
 * add up to more than it took: one past what is left is refused with amount_too_large.
 */
export function refundPayment(cards: CardProviders): RefundHandler {
  return {
    async decide({ refundId, orderId, amount }, { manager, envelope }) {
      const existing = await lockPaymentOfOrder(manager, orderId);
      if (!existing || !wasCaptured(existing)) return notCaptured(existing);
      const payment = asProviderPayment(existing);
      const earlier = await manager.getRepository(PaymentRefund).findOneBy({ refundId });
      if (earlier && (earlier.paymentId !== payment.id || earlier.amount !== amount)) {
        return fail(FailureCode.InvalidState, `Refund ${refundId} was made for another payment or amount.`);
      }
      if (earlier)
        return earlier.status === PaymentRefundStatus.Pending
          ? callFirst(requestOf(payment, earlier))
          : answerOf(payment, earlier);
      const left = payment.amount - payment.refunded;
      if (amount > left) {
        return fail(
          FailureCode.AmountTooLarge,
          `Only ${formatMoney(left, payment.currency)} of this payment is left to refund; ` +
            `${formatMoney(amount, payment.currency)} was asked for.`,
        );
      }
      const refund = await reserveRefund(manager, payment, { refundId, amount });
      if (payment.provider !== ProviderName.Wallet) return callFirst(requestOf(payment, refund));
      await moveWalletMoney(manager, payment.userId, { kind: 'refund', amount, paymentId: payment.id });
      await recordRefund(
        manager,
        { payment, refund },
        { providerRef: `wallet_refund_${refundId}` },
        commandCause(envelope),
      );
      return refunded(payment.id, amount, payment.refunded + amount);
    },

    call: (request) => cards.refund(request),

    async conclude({ refundId, orderId }, _request, answer, { manager, envelope }) {
      const existing = await lockPaymentOfOrder(manager, orderId);
      const refund = await manager.getRepository(PaymentRefund).findOneBy({ refundId });
      if (!existing || !refund) throw new Error(`refund ${refundId} of order ${orderId} vanished during its call`);
      const payment = asProviderPayment(existing);
      // Another delivery recorded the answer first.
      if (refund.status !== PaymentRefundStatus.Pending) return answerOf(payment, refund);
      const outcome = answer.status === 'done' ? { providerRef: answer.refundRef } : { refused: answer.reason };
      await recordRefund(manager, { payment, refund }, outcome, commandCause(envelope));
      // The payment's refunded amount took this refund in when it was set aside.
      return answer.status === 'done' ? refunded(payment.id, refund.amount, payment.refunded) : refused(answer.reason);
    },
  };
}

function requestOf(payment: Payment & { provider: ProviderName }, refund: PaymentRefund): CardRefundRequest {
  if (payment.providerRef === null) throw new Error(`captured payment ${payment.id} has no provider reference`);
  return {
    provider: payment.provider,
    providerRef: payment.providerRef,
    amount: refund.amount,
    idempotencyKey: `${refund.refundId}:refund`,
  };
}

/** The answer a refund already decided gives: the same as the first time. */
function answerOf(payment: Payment, refund: PaymentRefund) {
  if (refund.status === PaymentRefundStatus.Failed) return refused(refund.failureMessage ?? '');
  return refunded(payment.id, refund.amount, payment.refunded);
}

function refused(reason: string) {
  return fail(FailureCode.InvalidState, `The card payment could not be refunded: ${reason}`);
}

function notCaptured(payment: Payment | null) {
  return fail(
    FailureCode.InvalidState,
    payment
      ? `The payment for this order is ${payment.status.toLowerCase().replaceAll('_', ' ')}; only taken money is refunded.`
      : 'This order has no payment to refund.',
  );
}

function refunded(paymentId: string, amount: number, refundedInAll: number) {
  return succeed({ paymentId, amount, refundedInAll });
}
