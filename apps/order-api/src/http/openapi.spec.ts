import { openApiFaults } from '@saga/runtime/testing';
import { defaultOrderApiSettings } from '../order-api-service';
import { registerOrderRoutes } from './order-routes';
import { registerRefundRoutes } from './refund-routes';

// The routes are only registered here, never called: what they would work with is never touched.
const unused = undefined as never;

it('documents every route of order-api in /openapi.json, with its answer, its problems and who may call it', async () => {
  const { idempotencyKeyTtlMs, orderRateLimits } = defaultOrderApiSettings;
  const faults = await openApiFaults('order-api', (app) => {
    registerOrderRoutes(app, {
      messaging: unused,
      dataSource: unused,
      idempotencyKeyTtlMs,
      rateLimits: orderRateLimits,
    });
    registerRefundRoutes(app, { messaging: unused, dataSource: unused });
  });

  expect(faults).toEqual([]);
});
