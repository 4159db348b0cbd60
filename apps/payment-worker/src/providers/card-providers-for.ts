import { cardProviders, type CardProviders } from './payment-provider';
import { stripeClient, stripeProvider, type StripeConnection } from './stripe-provider';
import { testCardProvider } from './test-card-provider';

/**
 * Stripe takes new card payments when the worker has a key, the test-card simulation otherwise;
 * test-card payments made before a key was set are still settled as test cards.
 */
export function cardProvidersFor(stripe: StripeConnection | undefined): CardProviders {
  return stripe
    ? cardProviders(stripeProvider(stripeClient(stripe)), testCardProvider)
    : cardProviders(testCardProvider);
}
