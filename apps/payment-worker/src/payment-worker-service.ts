import { Queues } from '@saga/contracts';
import type { ServiceDefinition } from '@saga/runtime';
import { recordPaymentMethodOnEvent } from './consumers/record-payment-method';
import { untakenPaymentMethods } from './domain/order-payment-methods';
import { commandProcessor } from '@saga/participant';
import { paymentCommandHandlers } from './commands';
import { PaymentLedgerEntry } from './domain/payment-ledger-entry.entity';
import { Payment } from './domain/payment.entity';
import { Wallet } from './domain/wallet.entity';
import { registerPaymentRoutes } from './http/payment-routes';
import { registerWalletRoutes } from './http/wallet-routes';
import { paymentMigrations } from './migrations';
import { defaultPaymentProviders } from './providers/default-providers';

/** The entities of the payment schema. */
export const paymentEntities = [Wallet, Payment, PaymentLedgerEntry];

/** The payment worker: authorizes, captures and voids payments on wallets and cards; owns the payment schema. */
export const paymentWorkerService: ServiceDefinition = {
  name: 'payment-worker',
  schema: 'payment',
  entities: paymentEntities,
  migrations: paymentMigrations,
  wire: ({ messaging, logger, dataSource }) => ({
    consumers: [
      { queue: Queues.paymentEvents, handler: recordPaymentMethodOnEvent(messaging) },
      {
        queue: Queues.paymentCommands,
        handler: commandProcessor({
          consumer: 'payment-worker',
          messaging,
          handlers: paymentCommandHandlers(defaultPaymentProviders),
          logger,
        }),
      },
    ],
    routes: (app) => {
      registerWalletRoutes(app, { dataSource });
      registerPaymentRoutes(app, { dataSource });
    },
    retention: [untakenPaymentMethods],
  }),
};
