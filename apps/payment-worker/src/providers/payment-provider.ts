import type { Currency, Failure } from '@saga/contracts';
import type { ProviderName } from '../domain/payment-codes';

/** What a card provider is asked to authorize; the same request, key included, on every attempt. */
export interface CardAuthorizationRequest {
  readonly amount: number;
  readonly currency: Currency;
  /** The card's payment method token, as the shopper's client got it from the provider. */
  readonly token: string;
  /** `${orderId}:authorize`: a redelivered or retried command reaches the provider with the same key. */
  readonly idempotencyKey: string;
  /** What the hold is for, kept with it at the provider: `{ orderId, paymentId, userId }` or `{ topUpId, userId }`. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** What the provider said: the money is held, the shopper must act first (3-D Secure), or declined and why. */
export type CardAuthorization =
  | { readonly status: 'authorized'; readonly providerRef: string }
  | { readonly status: 'requires-action'; readonly providerRef: string; readonly nextAction: string | null }
  | { readonly status: 'declined'; readonly failure: Failure; readonly providerRef: string | null };

/** A capture or a void of a held amount, with this operation's idempotency key. */
export interface CardSettlementRequest {
  readonly providerRef: string;
  readonly amount: number;
  /** `${orderId}:capture` or `${orderId}:void`. */
  readonly idempotencyKey: string;
}

/** Whether the provider did it, or refused because the payment is no longer in a state that allows it. */
export type CardSettlement = { readonly status: 'done' } | { readonly status: 'refused'; readonly reason: string };

/**
 * A card network behind an API (Stripe, or the test-card simulation without a key). Its calls are
 * made with no database transaction open and must be safe to repeat with the same key: the provider
 * answers a repeated key as the first time. A call throws only for a fault (unreachable, 5xx, rate
 * limited), which the broker retries with backoff; a refusal is an answer.
 */
export interface CardProvider {
  readonly name: ProviderName;
  authorize(request: CardAuthorizationRequest): Promise<CardAuthorization>;
  /** Takes the held amount. */
  capture(request: CardSettlementRequest): Promise<CardSettlement>;
  /** Lets the hold go, or stops an authorization waiting on the shopper. */
  void(request: CardSettlementRequest): Promise<CardSettlement>;
}
