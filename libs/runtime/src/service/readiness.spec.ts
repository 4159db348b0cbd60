import { ServiceName } from '@saga/contracts';
import { randomUUID } from 'node:crypto';
import {
  forceCloseBrokerConnection,
  provisionTestInfrastructure,
  serviceConfigFor,
  setDatabaseReachable,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { runService, type RunningService } from './run-service';

describe('a service’s readiness', () => {
  let infra: TestInfrastructure;
  let service: RunningService;
  // A name of its own: the broker fault below finds the connection by it.
  const name = `readiness-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure({ system: true });
    service = await runService(
      { name, schema: 'cart', entities: [], migrations: [], wire: () => ({}) },
      { ...serviceConfigFor(infra, ServiceName.CartWorker), LOG_LEVEL: 'error' },
    );
  });

  afterAll(async () => {
    await setDatabaseReachable(infra.databaseUrl, true);
    await service?.stop();
    await infra?.teardown();
  });

  const readyz = async () => {
    const response = await fetch(`${service.url}/readyz`);
    return { status: response.status, checks: ((await response.json()) as { checks: Record<string, boolean> }).checks };
  };

  const healthz = async () => (await fetch(`${service.url}/healthz`)).status;

  it('is unready but alive while its broker connection is down, and ready again once it recovered', async () => {
    expect(await readyz()).toEqual({ status: 200, checks: { database: true, broker: true, consumers: true } });
    await forceCloseBrokerConnection(name);

    expect(await readyz()).toEqual({ status: 503, checks: { database: true, broker: false, consumers: true } });
    expect(await healthz()).toBe(200);
    await waitFor(async () => (await readyz()).status === 200, { description: 'the broker connection to recover' });
  });

  it('is unready but alive while its database refuses connections, and ready again once it is back', async () => {
    await setDatabaseReachable(infra.databaseUrl, false);
    await waitFor(async () => (await readyz()).status === 503, { description: 'the service to notice the outage' });
    expect((await readyz()).checks).toEqual({ database: false, broker: true, consumers: true });
    expect(await healthz()).toBe(200);

    await setDatabaseReachable(infra.databaseUrl, true);
    await waitFor(async () => (await readyz()).status === 200, { description: 'the database to come back' });
  });
});
