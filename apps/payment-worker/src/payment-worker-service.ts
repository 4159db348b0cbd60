import { Queues } from '@saga/contracts';
import { commandProcessor } from '@saga/participant';
import { PeriodicTask, type ServiceDefinition } from '@saga/runtime';
import { paymentCommandHandlers } from './commands';
import { recordPaymentMethodOnEvent } from './consumers/record-payment-method';
import { untakenPaymentMethods } from './domain/order-payment-methods';
import { PaymentLedgerEntry } from './domain/payment-ledger-entry.entity';
import { PaymentStatusChange } from './domain/payment-status-change.entity';
import { Payment } from './domain/payment.entity';
import { Wallet } from './domain/wallet.entity';
import { WalletLedgerEntry } from './domain/wallet-ledger-entry.entity';
import { registerPaymentRoutes } from './http/payment-routes';
import { registerWalletRoutes } from './http/wallet-routes';
import { paymentMigrations } from './migrations';
import type { StripeSettings } from './payment-worker-config';
import { cardProviderFor } from './providers/card-provider-for';
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
      const card = cardProviderFor(stripe);
      logger.info('cards go through', { provider: card.name });
      return {
        consumers: [
          { queue: Queues.paymentEvents, handler: recordPaymentMethodOnEvent(messaging) },
          {
            queue: Queues.paymentCommands,
            handler: commandProcessor({
              consumer: 'payment-worker',
              messaging,
              handlers: paymentCommandHandlers(card),
              logger,
            }),
          },
        ],
        routes: (app) => {
          registerWalletRoutes(app, { dataSource, card });
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
            pass: async () => void (await resumePendingTopUps(dataSource, card, { olderThanMs: 60_000, logger })),
          }),
        ],
      };
    },
  };
}

/** The worker as the demo and the tests run it without a Stripe key: cards are test cards. */
export const testCardPaymentWorker = paymentWorkerService({ stripe: undefined });
