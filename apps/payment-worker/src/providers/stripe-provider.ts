import Stripe from 'stripe';
import { FailureCode, type Failure } from '@saga/contracts';
import { ProviderName } from '../domain/payment-codes';
import type { CardAuthorization, CardAuthorizationRequest, CardProvider, CardSettlement } from './payment-provider';

/** How the worker reaches Stripe: the secret key, and for a fake Stripe in tests, its URL. */
export interface StripeConnection {
  readonly secretKey: string;
  /** e.g. http://127.0.0.1:12111 for a fake; Stripe's own API when absent. */
  readonly apiUrl?: URL;
  /** How long one request may take before the SDK gives up on it (and retries it, same key). */
  readonly timeoutMs: number;
  /** How many times the SDK retries a request that failed on the network or with a 409/5xx. */
  readonly maxNetworkRetries: number;
}

/** The Stripe client of the worker, pointed at Stripe or at a fake. */
export function stripeClient(connection: StripeConnection): Stripe {
  const url = connection.apiUrl;
  return new Stripe(connection.secretKey, {
    maxNetworkRetries: connection.maxNetworkRetries,
    timeout: connection.timeoutMs,
    telemetry: false,
    ...(url && {
      host: url.hostname,
      port: url.port || (url.protocol === 'http:' ? 80 : 443),
      protocol: url.protocol === 'http:' ? 'http' : 'https',
    }),
  });
}

/**
 * Cards through Stripe: authorize is a PaymentIntent with manual capture, confirmed with the card's
 * payment method; capture captures it, void cancels it, and refund gives (part of) it back. Every call carries the command's idempotency
 * key, so the SDK's own retries and the broker's redeliveries reach Stripe as one request.
 */
export function stripeProvider(stripe: Stripe): CardProvider {
  return {
    name: ProviderName.Stripe,

    async authorize(request: CardAuthorizationRequest): Promise<CardAuthorization> {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: request.amount,
            currency: request.currency.toLowerCase(),
            payment_method: request.token,
            capture_method: 'manual',
            confirm: true,
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            metadata: { ...request.metadata },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return authorizationOf(intent);
      } catch (error) {
        const failure = declineOf(error);
        if (!failure) throw error;
        return { status: 'declined', failure, providerRef: intentIdOf(error) };
      }
    },

    capture: (request) =>
      settle(() =>
        stripe.paymentIntents.capture(
          request.providerRef,
          { amount_to_capture: request.amount },
          { idempotencyKey: request.idempotencyKey },
        ),
      ),

    void: (request) =>
      settle(
        () => stripe.paymentIntents.cancel(request.providerRef, {}, { idempotencyKey: request.idempotencyKey }),
        'canceled',
      ),

    async refund(request) {
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: request.providerRef, amount: request.amount },
          { idempotencyKey: request.idempotencyKey },
        );
        return { status: 'done', refundRef: refund.id };
      } catch (error) {
        // Stripe refuses a refund past what is left to refund, or of a charge refunded in full.
        if (error instanceof Stripe.errors.StripeInvalidRequestError)
          return { status: 'refused', reason: error.message };
        throw error;
      }
    },
  };
}

/** The authorization a confirmed intent stands at. */
export function authorizationOf(intent: Stripe.PaymentIntent): CardAuthorization {
  switch (intent.status) {
    case 'requires_capture':
      return { status: 'authorized', providerRef: intent.id };
    case 'requires_action':
      return {
        status: 'requires-action',
        providerRef: intent.id,
        nextAction: intent.next_action?.redirect_to_url?.url ?? intent.next_action?.type ?? null,
      };
    default:
      return { status: 'declined', failure: failureOfIntent(intent), providerRef: intent.id };
  }
}

/** Why an intent that is not capturable failed, for the shopper, with Stripe's decline code. */
export function failureOfIntent(intent: Stripe.PaymentIntent): Failure {
  const error = intent.last_payment_error;
  if (!error) {
    return {
      code: FailureCode.CardDeclined,
      message: `The card payment ended as ${intent.status.replaceAll('_', ' ')} on Stripe.`,
    };
  }
  return cardFailure(error.decline_code ?? error.code, error.message ?? 'Your card was declined.');
}

function cardFailure(declineCode: string | undefined, message: string): Failure {
  const code = declineCode === 'insufficient_funds' ? FailureCode.InsufficientFunds : FailureCode.CardDeclined;
  return { code, message: declineCode ? `${message} (decline code: ${declineCode})` : message };
}

/**
 * A refusal Stripe answered (a 402 card error, or a request about this payment it will never take),
 * as the shopper's failure; undefined for a fault, which is thrown on and retried.
 */
function declineOf(error: unknown): Failure | undefined {
  if (error instanceof Stripe.errors.StripeCardError) return cardFailure(error.decline_code, error.message);
  if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) return undefined;
  if (error.code === 'amount_too_large') return { code: FailureCode.AmountTooLarge, message: error.message };
  if (error.param === 'payment_method' || error.code === 'resource_missing') {
    return {
      code: FailureCode.PaymentMethodInvalid,
      message: `This card cannot be used; check its details or use another card. (${error.message})`,
    };
  }
  return undefined;
}

function intentIdOf(error: unknown): string | null {
  return error instanceof Stripe.errors.StripeError ? (error.payment_intent?.id ?? null) : null;
}

/**
 * Runs a capture or cancel; an intent no longer in a state that allows it is a refusal (the reason
 * said), unless it already stands where this call would have put it.
 */
async function settle(call: () => Promise<Stripe.PaymentIntent>, already?: string): Promise<CardSettlement> {
  try {
    await call();
    return { status: 'done' };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state') {
      if (already !== undefined && error.payment_intent?.status === already) return { status: 'done' };
      return { status: 'refused', reason: error.message };
    }
    throw error;
  }
}
