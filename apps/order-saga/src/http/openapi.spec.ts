import { openApiFaults } from '@saga/runtime/testing';
import { registerDeadLetterRoutes } from './dead-letter-routes';
import { registerSagaOperatorRoutes } from './saga-operator-routes';
import { registerSagaReportRoutes } from './saga-report-routes';
import { registerSagaRoutes } from './saga-routes';

// The routes are only registered here, never called: what they would work with is never touched.
const unused = undefined as never;

it('documents every route of order-saga in /openapi.json, with its answer, its problems and who may call it', async () => {
  const faults = await openApiFaults('order-saga', (app) => {
    registerSagaRoutes(app, { dataSource: unused, sagas: unused });
    registerSagaReportRoutes(app, { dataSource: unused, sagas: unused });
    registerSagaOperatorRoutes(app, { dataSource: unused, sagas: unused });
    registerDeadLetterRoutes(app, { dataSource: unused, sagas: unused, broker: unused, logger: unused });
  });

  expect(faults).toEqual([]);
});
