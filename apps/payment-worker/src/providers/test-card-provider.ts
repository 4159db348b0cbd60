import { randomBytes } from 'node:crypto';
import { FailureCode } from '@saga/contracts';
import { ProviderName } from '../domain/payment-codes';
import type { AuthorizationOutcome, PaymentProvider } from './payment-provider';

type TestCardBehaviour = { readonly status: 'authorized' } | Extract<AuthorizationOutcome, { status: 'declined' }>;

const cardDeclined: TestCardBehaviour = {
  status: 'declined',
  code: FailureCode.CardDeclined,
  message: 'Your card was declined.',
};
const cardInsufficientFunds: TestCardBehaviour = {
  status: 'declined',
  code: FailureCode.InsufficientFunds,
  message: 'Your card has insufficient funds.',
};

/** Stripe's test payment-method tokens and how a card behaves with each. */
const testCards: Readonly<Record<string, TestCardBehaviour>> = {
  pm_card_visa: { status: 'authorized' },
  pm_card_mastercard: { status: 'authorized' },
  pm_card_chargeDeclined: cardDeclined,
  pm_card_visa_chargeDeclined: cardDeclined,
  pm_card_chargeDeclinedInsufficientFunds: cardInsufficientFunds,
  pm_card_visa_chargeDeclinedInsufficientFunds: cardInsufficientFunds,
};

/**
 * A card provider for development and tests that answers like Stripe does for its test tokens
 * (pm_card_visa succeeds, pm_card_chargeDeclined declines, ...); no money moves anywhere.
 */
export const testCardProvider: PaymentProvider = {
  name: ProviderName.TestCard,

  async authorize(request): Promise<AuthorizationOutcome> {
    const token = request.method.method === 'card' ? request.method.token : undefined;
    // hasOwn, so a token like "toString" is an unknown card rather than a property of every object.
    const behaviour = token !== undefined && Object.hasOwn(testCards, token) ? testCards[token] : undefined;
    if (!behaviour) {
      return {
        status: 'declined',
        code: FailureCode.PaymentMethodInvalid,
        message: 'This card cannot be used; check its details or use another card.',
      };
    }
    if (behaviour.status === 'declined') return behaviour;
    return { status: 'authorized', providerRef: `pi_test_${randomBytes(12).toString('hex')}` };
  },

  // A test card holds no money anywhere: capturing or voiding it only changes the payment's status.
  async capture(): Promise<void> {},

  async void(): Promise<void> {},
};
