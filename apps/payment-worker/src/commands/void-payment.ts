import { FailureCode, type paymentVoid } from '@saga/contracts';
import { callFirst, fail, succeed, type CallingCommandHandler } from '@saga/participant';
import { PaymentStatus, ProviderName } from '../domain/payment-codes';
import { asProviderPayment, type Payment, type ProviderPayment } from '../domain/payment.entity';
import { commandCause, lockPaymentOfOrder, recordTombstone, settlePayment, wasCaptured } from '../domain/payments';
import {
  settlementOf,
  type CardAuthorizationRequest,
  type CardProviders,
  type CardSettlement,
  type CardSettlementRequest,
} from '../providers/payment-provider';
import { walletProvider } from '../providers/wallet-provider';
import { authorizationRequestOf } from './authorize-payment';

/**
 * What the provider is asked to cancel: an intent it named, or, when the authorization's answer was
 * never recorded, the intent its authorize request made (the same request again answers with it).
 */
type VoidCall =
  | { readonly kind: 'known'; readonly settlement: CardSettlementRequest }
  | { readonly kind: 'unanswered'; readonly orderId: string; readonly authorization: CardAuthorizationRequest };

type VoidHandler = CallingCommandHandler<typeof paymentVoid, VoidCall, CardSettlement>;

/**
 * Releases the order's payment without moving money (the compensation of authorize). With nothing
 * authorized yet it leaves a tombstone, so a late authorize is refused; a payment already voided or
 * declined needs nothing more. A card's hold is cancelled with its provider, even one whose authorize
 * answer was lost; a captured payment cannot be voided, only refunded.
 */
export function voidPayment(cards: CardProviders): VoidHandler {
  return {
    async decide({ orderId }, { manager, envelope }) {
      const existing = await lockPaymentOfOrder(manager, orderId);
      if (!existing) {
        await recordTombstone(manager, orderId, commandCause(envelope));
        return succeed({});
      }
      if (!canVoid(existing)) return recordedAnswer(existing);
      const payment = asProviderPayment(existing);
      if (payment.provider !== ProviderName.Wallet) return callFirst(voidCallOf(payment));
      await walletProvider.void(manager, payment);
      await settlePayment(manager, payment, PaymentStatus.Voided, commandCause(envelope));
      return succeed({});
    },

    async call(request) {
      if (request.kind === 'known') return cards.void(request.settlement);
      const authorization = await cards.authorize(request.authorization);
      if (authorization.status === 'declined') return { status: 'done' };
      return cards.void(
        settlementOf(request.orderId, 'void', {
          provider: request.authorization.provider,
          providerRef: authorization.providerRef,
          amount: request.authorization.amount,
        }),
      );
    },

    async conclude({ orderId }, _request, answer, { manager, envelope }) {
      const existing = await lockPaymentOfOrder(manager, orderId);
      if (!existing || !canVoid(existing)) return recordedAnswer(existing);
      if (answer.status === 'refused') {
        return fail(FailureCode.InvalidState, `The card payment could not be cancelled: ${answer.reason}`);
      }
      await settlePayment(manager, asProviderPayment(existing), PaymentStatus.Voided, commandCause(envelope));
      return succeed({});
    },
  };
}

function canVoid(payment: Payment): boolean {
  return (
    payment.status === PaymentStatus.Authorized ||
    payment.status === PaymentStatus.Authorizing ||
    payment.status === PaymentStatus.RequiresAction
  );
}

function voidCallOf(payment: ProviderPayment): VoidCall {
  if (payment.status === PaymentStatus.Authorizing) {
    return { kind: 'unanswered', orderId: payment.orderId, authorization: authorizationRequestOf(payment) };
  }
  if (payment.providerRef === null) throw new Error(`payment ${payment.id} has no provider reference`);
  return {
    kind: 'known',
    settlement: settlementOf(payment.orderId, 'void', {
      provider: payment.provider,
      providerRef: payment.providerRef,
      amount: payment.amount,
    }),
  };
}

/** The answer for a payment that cannot be voided (any more): done already, or captured. */
function recordedAnswer(existing: Payment | null) {
  if (existing && wasCaptured(existing)) {
    return fail(FailureCode.InvalidState, 'The payment for this order was already taken; it can only be refunded.');
  }
  return succeed({});
}
