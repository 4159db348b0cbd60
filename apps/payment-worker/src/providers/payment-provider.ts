import type { Currency, Failure } from '@saga/contracts';
import type { ProviderName } from '../domain/payment-codes';

/** What a card provider is asked to authorize; the same request, key included, on every attempt. */
export interface CardAuthorizationRequest {
  /** The provider the request is for: the worker's current one for a new payment, else the payment's own. */
  readonly provider: ProviderName;
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
  readonly provider: ProviderName;
  readonly providerRef: string;
  readonly amount: number;
  /** `${orderId}:capture` or `${orderId}:void`. */
  readonly idempotencyKey: string;
}

/** The request to capture or void an order's hold, under the order's key for that operation. */
export function settlementOf(
  orderId: string,
  operation: 'capture' | 'void',
  hold: Omit<CardSettlementRequest, 'idempotencyKey'>,
): CardSettlementRequest {
  return { ...hold, idempotencyKey: `${orderId}:${operation}` };
}

/** Whether the provider did it, or refused because the payment is no longer in a state that allows it. */
export type CardSettlement = { readonly status: 'done' } | { readonly status: 'refused'; readonly reason: string };

/** A refund of (part of) a captured amount, with the refund's idempotency key (`${refundId}:refund`). */
export type CardRefundRequest = CardSettlementRequest;

/** The money is on its way back under the provider's refund id, or the provider refused and why. */
export type CardRefund =
  { readonly status: 'done'; readonly refundRef: string } | { readonly status: 'refused'; readonly reason: string };

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
  /** Gives (part of) a captured amount back. */
  refund(request: CardRefundRequest): Promise<CardRefund>;
}

/**
 * The card providers a worker knows: the current one takes new payments, and each request goes to
 * the provider its payment went through, so payments made before a switch (test cards to Stripe)
 * are still captured, voided and refunded where they were made.
 */
export interface CardProviders {
  readonly current: ProviderName;
  authorize(request: CardAuthorizationRequest): Promise<CardAuthorization>;
  capture(request: CardSettlementRequest): Promise<CardSettlement>;
  void(request: CardSettlementRequest): Promise<CardSettlement>;
  refund(request: CardRefundRequest): Promise<CardRefund>;
}

/** The providers with `current` taking new payments. */
export function cardProviders(current: CardProvider, ...others: readonly CardProvider[]): CardProviders {
  const byName = new Map([current, ...others].map((provider) => [provider.name, provider]));
  const of = (name: ProviderName): CardProvider => {
    const provider = byName.get(name);
    // A stored payment names a provider this worker was started without: a deployment fault.
    if (!provider) throw new Error(`no card provider named ${name} is configured`);
    return provider;
  };
  return {
    current: current.name,
    authorize: (request) => of(request.provider).authorize(request),
    capture: (request) => of(request.provider).capture(request),
    void: (request) => of(request.provider).void(request),
    refund: (request) => of(request.provider).refund(request),
  };
}
