import { createHash } from 'node:crypto';
import { FailureCode, type Failure } from '@saga/contracts';
import { ProviderName } from '../domain/payment-codes';
import type { CardAuthorization, CardProvider } from './payment-provider';

const cardDeclined: Failure = { code: FailureCode.CardDeclined, message: 'Your card was declined.' };
const cardInsufficientFunds: Failure = {
  code: FailureCode.InsufficientFunds,
  message: 'Your card has insufficient funds.',
};

/** Stripe's test payment-method tokens and how a card behaves with each; absent means authorized. */
const testCards: Readonly<Record<string, Failure | null>> = {
  pm_card_visa: null,
  pm_card_mastercard: null,
  pm_card_chargeDeclined: cardDeclined,
  pm_card_visa_chargeDeclined: cardDeclined,
  pm_card_chargeDeclinedInsufficientFunds: cardInsufficientFunds,
  pm_card_visa_chargeDeclinedInsufficientFunds: cardInsufficientFunds,
};

/**
 * The card provider without a Stripe key, for the demo and the tests: it answers like Stripe does for
 * its test tokens (pm_card_visa succeeds, pm_card_chargeDeclined declines, ...), and like Stripe it
 * answers a repeated idempotency key with the same intent id. No money moves anywhere.
 */
export const testCardProvider: CardProvider = {
  name: ProviderName.TestCard,

  async authorize(request): Promise<CardAuthorization> {
    // hasOwn, so a token like "toString" is an unknown card rather than a property of every object.
    const failure = Object.hasOwn(testCards, request.token) ? testCards[request.token] : undefined;
    if (failure === undefined) {
      return {
        status: 'declined',
        failure: {
          code: FailureCode.PaymentMethodInvalid,
          message: 'This card cannot be used; check its details or use another card.',
        },
        providerRef: null,
      };
    }
    if (failure !== null) return { status: 'declined', failure, providerRef: null };
    return { status: 'authorized', providerRef: `pi_test_${keyHash(request.idempotencyKey)}` };
  },

  // A test card holds no money anywhere: capturing or voiding it only changes the payment's status.
  async capture() {
    return { status: 'done' };
  },

  async void() {
    return { status: 'done' };
  },

  async refund(request) {
    return { status: 'done', refundRef: `re_test_${keyHash(request.idempotencyKey)}` };
  },
};

function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}
