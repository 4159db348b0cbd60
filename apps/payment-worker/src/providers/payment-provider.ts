import type { EntityManager } from 'typeorm';
import type { Currency, FailureCode, PaymentMethod, PaymentMethodChoice } from '@saga/contracts';
import type { ProviderName } from '../domain/payment-codes';
import type { ProviderPayment } from '../domain/payment.entity';

/** What a provider is asked to authorize; the same idempotency key must reach the provider on every attempt. */
export interface AuthorizationRequest {
  readonly paymentId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly method: PaymentMethod;
  /** `${orderId}:authorize`: a retried command reaches the provider with the key of its first attempt. */
  readonly idempotencyKey: string;
}

/** What the provider said: the money is held under its reference, or the shopper was declined and why. */
export type AuthorizationOutcome =
  | { readonly status: 'authorized'; readonly providerRef: string }
  | { readonly status: 'declined'; readonly code: FailureCode; readonly message: string };

/** What a provider is asked to capture or void: an authorized payment and the key of this operation. */
export interface SettlementRequest {
  readonly payment: ProviderPayment;
  /** `${orderId}:capture` or `${orderId}:void`. */
  readonly idempotencyKey: string;
}

/**
 * Somewhere money is held and taken: a wallet, a card network. Every call runs inside the command's
 * transaction (the manager), so a provider keeping money in Postgres commits or rolls back with it.
 * A provider throws only for faults (unreachable, a bug); a refusal is a declined outcome.
 */
export interface PaymentProvider {
  readonly name: ProviderName;
  authorize(request: AuthorizationRequest, manager: EntityManager): Promise<AuthorizationOutcome>;
  /** Takes the held amount; called once per payment, after authorize succeeded. */
  capture(request: SettlementRequest, manager: EntityManager): Promise<void>;
  /** Lets the hold go without moving money; called once per payment, after authorize succeeded. */
  void(request: SettlementRequest, manager: EntityManager): Promise<void>;
}

/** The providers a worker runs with: one per payment method, and each findable by its stored name. */
export interface PaymentProviders {
  forMethod(method: PaymentMethodChoice): PaymentProvider;
  named(name: ProviderName): PaymentProvider;
}

/** Picks the card or wallet provider for a method, and the provider a stored payment went through. */
export function paymentProviders(providers: {
  readonly card: PaymentProvider;
  readonly wallet: PaymentProvider;
}): PaymentProviders {
  const byName = new Map<ProviderName, PaymentProvider>([
    [providers.card.name, providers.card],
    [providers.wallet.name, providers.wallet],
  ]);
  return {
    forMethod: (method) => (method.method === 'card' ? providers.card : providers.wallet),
    named: (name) => {
      const provider = byName.get(name);
      // A stored payment names a provider this worker was started without: a deployment fault.
      if (!provider) throw new Error(`no payment provider named ${name} is configured`);
      return provider;
    },
  };
}
