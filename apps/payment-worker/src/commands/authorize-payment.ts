import { randomUUID } from 'node:crypto';
import { FailureCode, type paymentAuthorize, type PaymentAuthorize } from '@saga/contracts';
import {
  callFirst,
  fail,
  replyLater,
  succeed,
  type CallingCommandHandler,
  type CommandContext,
  type Concluded,
} from '@saga/participant';
import { takePaymentMethod } from '../domain/order-payment-methods';
import { PaymentStatus, ProviderName } from '../domain/payment-codes';
import { asProviderPayment, Payment, recordedFailure, type ProviderPayment } from '../domain/payment.entity';
import {
  commandCause,
  lockPaymentOfOrder,
  recordAuthorization,
  recordAuthorizing,
  recordDecidedPayment,
  type AuthorizationResult,
} from '../domain/payments';
import type { CardAuthorization, CardAuthorizationRequest, CardProviders } from '../providers/payment-provider';
import { authorizationSettledEarlier } from '../webhooks/stripe-events';
import { walletProvider } from '../providers/wallet-provider';

type AuthorizeHandler = CallingCommandHandler<typeof paymentAuthorize, CardAuthorizationRequest, CardAuthorization>;

/**
 * Holds the order's total and records the payment. A wallet pays inside the command's transaction;
 * a card is a call to its provider: the intent (AUTHORIZING, with the token order-api handed over) is
 * recorded first, the provider called with no transaction open, and its answer recorded after. A
 * card that needs the shopper (3-D Secure) waits in REQUIRES_ACTION for the provider's webhook, which
 * sends the reply. Asked again for the same order, it answers as the first time; once the order's
 * payment was voided, it refuses.
 */
export function authorizePayment(cards: CardProviders): AuthorizeHandler {
  return {
    async decide(payload, context) {
      const existing = await lockPaymentOfOrder(context.manager, payload.orderId);
      if (existing) return answerRecorded(existing, context);
      const payment = {
        id: randomUUID(),
        orderId: payload.orderId,
        userId: payload.userId,
        amount: payload.amount,
        currency: payload.currency,
      };
      const cause = commandCause(context.envelope);
      if (payload.paymentMethod.method === 'wallet') {
        const outcome = await walletProvider.authorize(context.manager, payment);
        await recordDecidedPayment(context.manager, { ...payment, provider: ProviderName.Wallet }, outcome, cause);
        return 'failure' in outcome
          ? fail(outcome.failure.code, outcome.failure.message)
          : authorized(payment.id, ProviderName.Wallet);
      }
      const paymentMethod = await takePaymentMethod(context.manager, payload);
      if (paymentMethod.method !== 'card') throw new Error(`order ${payload.orderId} handed over no card`);
      await recordAuthorizing(context.manager, { ...payment, provider: cards.current, paymentMethod }, cause);
      return callFirst(
        cardRequest(payload, { paymentId: payment.id, token: paymentMethod.token, provider: cards.current }),
      );
    },

    call: (request) => cards.authorize(request),

    async conclude(payload, _request, answer, context) {
      const existing = await lockPaymentOfOrder(context.manager, payload.orderId);
      // Another delivery recorded the answer first, or the payment was voided meanwhile.
      if (existing?.status !== PaymentStatus.Authorizing) return answerRecordedOrLost(existing, context);
      const answered = resultOf(answer, context);
      // A webhook may have come before this answer is recorded: the shopper finished 3-D Secure, or
      // the intent was cancelled on Stripe's side.
      const earlier =
        answered.status === PaymentStatus.Declined
          ? null
          : await authorizationSettledEarlier(context.manager, answered.providerRef);
      const result = earlier?.settled ?? answered;
      await recordAuthorization(context.manager, existing, result, earlier?.cause ?? commandCause(context.envelope));
      return concludedBy(result, asProviderPayment(existing));
    },
  };

  /** The answer a payment already recorded for the order gives: the same as the first time. */
  async function answerRecorded(existing: Payment, context: CommandContext) {
    switch (existing.status) {
      case PaymentStatus.Authorized:
      case PaymentStatus.Captured:
      case PaymentStatus.PartiallyRefunded:
      case PaymentStatus.Refunded:
        return authorized(existing.id, asProviderPayment(existing).provider);
      case PaymentStatus.Declined: {
        const failure = recordedFailure(existing);
        return fail(failure.code, failure.message);
      }
      case PaymentStatus.Voided:
        return voided();
      case PaymentStatus.Authorizing:
        // A crash, or a provider fault, came between the call and its outcome: call again, same key.
        return callFirst(authorizationRequestOf(existing));
      case PaymentStatus.RequiresAction:
        // Still waiting on the shopper: the webhook answers this command, the latest one asking.
        await recordAwaitingReply(existing, context);
        return replyLater();
    }
  }

  async function answerRecordedOrLost(
    existing: Payment | null,
    context: CommandContext,
  ): Promise<Concluded<typeof paymentAuthorize>> {
    if (!existing) throw new Error('the AUTHORIZING payment this call was made for is gone');
    const answer = await answerRecorded(existing, context);
    if ('call' in answer) throw new Error(`payment ${existing.id} is still AUTHORIZING after its call`);
    return answer;
  }

  async function recordAwaitingReply(existing: Payment, context: CommandContext): Promise<void> {
    await context.manager.update(
      Payment,
      { id: existing.id, status: PaymentStatus.RequiresAction },
      { awaitingReply: context.replyAddress },
    );
  }
}

/** The request an AUTHORIZING payment's intent was recorded with, to call the provider with again. */
export function authorizationRequestOf(payment: Payment): CardAuthorizationRequest {
  const method = payment.paymentMethod;
  if (payment.userId === null || method?.method !== 'card') {
    throw new Error(`payment ${payment.id} is not a card authorization under way`);
  }
  return cardRequest(
    { orderId: payment.orderId, userId: payment.userId, amount: payment.amount, currency: payment.currency },
    { paymentId: payment.id, token: method.token, provider: asProviderPayment(payment).provider },
  );
}

function cardRequest(
  payload: Pick<PaymentAuthorize, 'orderId' | 'userId' | 'amount' | 'currency'>,
  card: { readonly paymentId: string; readonly token: string; readonly provider: ProviderName },
): CardAuthorizationRequest {
  return {
    provider: card.provider,
    amount: payload.amount,
    currency: payload.currency,
    token: card.token,
    idempotencyKey: authorizeKey(payload.orderId),
    metadata: { orderId: payload.orderId, paymentId: card.paymentId, userId: payload.userId },
  };
}

/** The idempotency key of an order's authorization: the same for every command and redelivery of it. */
export function authorizeKey(orderId: string): string {
  return `${orderId}:authorize`;
}

function resultOf(answer: CardAuthorization, context: CommandContext): AuthorizationResult {
  switch (answer.status) {
    case 'authorized':
      return { status: PaymentStatus.Authorized, providerRef: answer.providerRef };
    case 'declined':
      return { status: PaymentStatus.Declined, failure: answer.failure, providerRef: answer.providerRef };
    case 'requires-action':
      return {
        status: PaymentStatus.RequiresAction,
        providerRef: answer.providerRef,
        nextAction: answer.nextAction,
        awaitingReply: context.replyAddress,
      };
  }
}

function concludedBy(result: AuthorizationResult, payment: ProviderPayment) {
  switch (result.status) {
    case PaymentStatus.Authorized:
      return authorized(payment.id, payment.provider);
    case PaymentStatus.Declined:
      return fail(result.failure.code, result.failure.message);
    case PaymentStatus.RequiresAction:
      return replyLater();
  }
}

function authorized(paymentId: string, provider: ProviderName) {
  return succeed({ paymentId, provider });
}

function voided() {
  return fail(FailureCode.InvalidState, 'The payment for this order was cancelled; it can no longer be authorized.');
}
