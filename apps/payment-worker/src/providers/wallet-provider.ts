import type { EntityManager } from 'typeorm';
import { FailureCode, formatMoney, type Currency, type Failure } from '@saga/contracts';
import type { ProviderPayment } from '../domain/payment.entity';
import { availableFunds } from '../domain/wallet.entity';
import { lockWallet, moveWalletMoney } from '../domain/wallets';

/**
 * Pays from the shopper's wallet in Postgres, inside the command's transaction: authorize holds the
 * amount, capture debits it, void releases it, each a movement in the wallet's ledger. The wallet row is locked for the transaction, so holds
 * never exceed the balance.
 */
export const walletProvider = {
  async authorize(
    manager: EntityManager,
    request: {
      readonly id: string;
      readonly userId: string;
      readonly amount: number;
      readonly currency: Currency;
    },
  ): Promise<{ readonly providerRef: string } | { readonly failure: Failure }> {
    const wallet = await lockWallet(manager, request.userId);
    if (!wallet) {
      return {
        failure: {
          code: FailureCode.PaymentMethodInvalid,
          message: 'You have no wallet to pay with yet; add funds to it or pay by card.',
        },
      };
    }
    const available = availableFunds(wallet);
    if (available < request.amount) {
      return {
        failure: {
          code: FailureCode.InsufficientFunds,
          message:
            `Your wallet balance is too low: ${formatMoney(available, request.currency)} available, ` +
            `${formatMoney(request.amount, request.currency)} needed.`,
        },
      };
    }
    await moveWalletMoney(manager, request.userId, { kind: 'hold', amount: request.amount, paymentId: request.id });
    return { providerRef: `hold_${request.id}` };
  },

  async capture(manager: EntityManager, payment: ProviderPayment): Promise<void> {
    await lockHeldWallet(manager, payment.userId, payment.amount);
    await moveWalletMoney(manager, payment.userId, { kind: 'capture', amount: payment.amount, paymentId: payment.id });
  },

  async void(manager: EntityManager, payment: ProviderPayment): Promise<void> {
    await lockHeldWallet(manager, payment.userId, payment.amount);
    await moveWalletMoney(manager, payment.userId, { kind: 'release', amount: payment.amount, paymentId: payment.id });
  },
};

async function lockHeldWallet(manager: EntityManager, userId: string, amount: number): Promise<void> {
  const wallet = await lockWallet(manager, userId);
  // An authorized wallet payment always has its amount held: anything else is corruption, not a business case.
  if (!wallet || wallet.held < amount) {
    throw new Error(`wallet of ${userId} does not hold the ${amount} cents of an authorized payment`);
  }
}
