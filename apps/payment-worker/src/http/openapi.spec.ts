import { openApiFaults } from '@saga/runtime/testing';
import { registerStripeWebhookRoute } from '../webhooks/stripe-webhook-route';
import { registerPaymentRoutes } from './payment-routes';
import { registerWalletRoutes } from './wallet-routes';

// The routes are only registered here, never called: what they would work with is never touched.
const unused = undefined as never;

it('documents every route of the payment worker in /openapi.json, with its answer, its problems and who may call it', async () => {
  const faults = await openApiFaults('payment-worker', (app) => {
    registerWalletRoutes(app, { dataSource: unused, cards: unused });
    registerPaymentRoutes(app, { dataSource: unused });
    registerStripeWebhookRoute(app, { webhookSecret: 'whsec_unused', messaging: unused, logger: unused });
  });

  expect(faults).toEqual([]);
});
