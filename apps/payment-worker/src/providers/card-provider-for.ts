import type { CardProvider } from './payment-provider';
import { stripeClient, stripeProvider, type StripeConnection } from './stripe-provider';
import { testCardProvider } from './test-card-provider';

/** Stripe when the worker has a key, the test-card simulation otherwise. */
export function cardProviderFor(stripe: StripeConnection | undefined): CardProvider {
  return stripe ? stripeProvider(stripeClient(stripe)) : testCardProvider;
}
