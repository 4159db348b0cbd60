import { paymentProviders } from './payment-provider';
import { testCardProvider } from './test-card-provider';
import { walletProvider } from './wallet-provider';

/** The providers the worker runs with until a real card provider (Stripe) takes the cards. */
export const defaultPaymentProviders = paymentProviders({ card: testCardProvider, wallet: walletProvider });
