import { openApiFaults } from '@saga/runtime/testing';
import { registerAdminProductRoutes } from './admin-product-routes';
import { registerProductRoutes } from './product-routes';

// The routes are only registered here, never called: what they would work with is never touched.
const unused = undefined as never;

it('documents every route of the inventory worker in /openapi.json, with its answer, its problems and who may call it', async () => {
  const faults = await openApiFaults('inventory-worker', (app) => {
    registerProductRoutes(app, { dataSource: unused, lowStock: unused });
    registerAdminProductRoutes(app, { dataSource: unused, lowStock: unused });
  });

  expect(faults).toEqual([]);
});
