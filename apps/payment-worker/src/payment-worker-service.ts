import { Queues } from '@saga/contracts';
import { commandProcessor } from '@saga/participant';
import { PeriodicTask, type ServiceDefinition } from '@saga/runtime';
import { paymentCommandHandlers } from './commands';
import { recordPaymentMethodOnEvent } from './consumers/record-payment-method';
import { untakenPaymentMethods } from './domain/order-payment-methods';
import { PaymentLedgerEntry } from './domain/payment-ledger-entry.entity';
import { PaymentRefund } from './domain/payment-refund.entity';
import { PaymentStatusChange } from './domain/payment-status-change.entity';
import { Payment } from './domain/payment.entity';
import { Wallet } from './domain/wallet.entity';
import { WalletLedgerEntry } from './domain/wallet-ledger-entry.entity';
import { registerPaymentRoutes } from './http/payment-routes';
import { registerWalletRoutes } from './http/wallet-routes';
import { paymentMigrations } from './migrations';
import type { StripeSettings } from './payment-worker-config';
import { cardProvidersFor } from './providers/card-providers-for';
import { resumePendingTopUps } from './top-ups/top-up-wallet';
import { WalletTopUp } from './top-ups/wallet-top-up.entity';
import { registerStripeWebhookRoute } from './webhooks/stripe-webhook-route';

/** The entities of the payment schema. */
export const paymentEntities = [
  Wallet,
  WalletLedgerEntry,
  WalletTopUp,
  Payment,
  PaymentLedgerEntry,
  PaymentStatusChange,
  PaymentRefund,
];

/** What shapes the worker: Stripe for cards, or (undefined) the test-card simulation. */
export interface PaymentWorkerSettings {
  readonly stripe: StripeSettings | undefined;
}

/**
 * The payment worker: authorizes, captures and voids payments on wallets and cards; owns the payment
 * schema. With Stripe it also takes Stripe's webhooks.
 */
export function paymentWorkerService(settings: PaymentWorkerSettings): ServiceDefinition {
  const { stripe } = settings;
  return {
    name: 'payment-worker',
    schema: 'payment',
    entities: paymentEntities,
    migrations: paymentMigrations,
    wire: ({ messaging, logger, dataSource }) => {
      const cards = cardProvidersFor(stripe);
      logger.info('new card payments go through', { provider: cards.current });
      return {
        consumers: [
          { queue: Queues.paymentEvents, handler: recordPaymentMethodOnEvent(messaging) },
          {
            queue: Queues.paymentCommands,
            handler: commandProcessor({
              consumer: 'payment-worker',
              messaging,
              handlers: paymentCommandHandlers(cards),
              logger,
            }),
          },
        ],
        routes: (app) => {
          registerWalletRoutes(app, { dataSource, cards });
          registerPaymentRoutes(app, { dataSource });
          if (stripe) registerStripeWebhookRoute(app, { webhookSecret: stripe.webhookSecret, messaging, logger });
        },
        retention: [untakenPaymentMethods],
        background: [
          new PeriodicTask({
            name: 'pending top-ups',
            intervalMs: 30_000,
            firstAfterMs: 30_000,
            logger,
            // A top-up left PENDING by a crash took the card or not; the same keys find out, once.
            pass: async () => void (await resumePendingTopUps(dataSource, cards, { olderThanMs: 60_000, logger })),
          }),
        ],
      };
    },
  };
}

/** The worker as the demo and the tests run it without a Stripe key: cards are test cards. */
export const testCardPaymentWorker = paymentWorkerService({ stripe: undefined });
