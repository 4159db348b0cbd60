import { openApiFaults } from '@saga/runtime/testing';
import { registerCartRoutes } from './cart-routes';

// The routes are only registered here, never called: what they would work with is never touched.
const unused = undefined as never;

it('documents every route of the cart worker in /openapi.json, with its answer, its problems and who may call it', async () => {
  expect(
    await openApiFaults('cart-worker', (app) => registerCartRoutes(app, { dataSource: unused, catalogue: unused })),
  ).toEqual([]);
});
