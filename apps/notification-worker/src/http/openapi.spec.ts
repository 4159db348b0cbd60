import { openApiFaults } from '@saga/runtime/testing';
import { registerNotificationRoutes } from './notification-routes';

// The routes are only registered here, never called: what they would work with is never touched.
const unused = undefined as never;

it('documents every route of the notification worker in /openapi.json, with its answer, its problems and who may call it', async () => {
  expect(
    await openApiFaults('notification-worker', (app) => registerNotificationRoutes(app, { dataSource: unused })),
  ).toEqual([]);
});
