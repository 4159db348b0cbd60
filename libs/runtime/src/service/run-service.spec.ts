import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { namespaced, Queues, ServiceName } from '@saga/contracts';
import { provisionTestInfrastructure, queueConsumers, serviceConfigFor, type TestInfrastructure } from '@saga/testing';
import { isDatabaseReachable } from '@saga/persistence';
import { runService, type RunningService, type ServiceDefinition } from './run-service';

const pingService: ServiceDefinition = {
  name: 'ping-service',
  schema: 'cart',
  entities: [],
  migrations: [],
  wire: () => ({
    consumers: [{ queue: Queues.cartCommands, handler: async () => undefined }],
    routes: (app) => {
      app.get('/ping', { config: { access: 'anyone' } }, async () => ({ pong: true }));
    },
  }),
};

describe('runService', () => {
  let infra: TestInfrastructure;
  let service: RunningService | undefined;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure({ system: true });
  });

  afterAll(async () => {
    await service?.stop();
    await infra?.teardown();
  });

  it('starts on a free port, is ready with its database and broker up, and stops cleanly', async () => {
    service = await runService(pingService, { ...serviceConfigFor(infra, ServiceName.CartWorker), LOG_LEVEL: 'error' });

    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service.url).not.toBe('http://127.0.0.1:0');
    const ping = await fetch(`${service.url}/ping`);
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ pong: true });
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true, broker: true, consumers: true } });
    const [{ n }] = (await service.context.dataSource.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'cart' AND table_name IN ('outbox', 'inbox')`,
    )) as { n: number }[];
    expect(n).toBe(2);

    const { url, context } = service;
    await service.stop();

    await expect(fetch(`${url}/ping`)).rejects.toThrow();
    expect(context.dataSource.isInitialized).toBe(false);
    expect(await isDatabaseReachable(context.dataSource)).toBe(false);
    expect(context.broker.isConnected()).toBe(false);
    await expect(service.stop()).resolves.toBeUndefined();
  });

  it('fails its start on a port that is taken, having consumed nothing and left nothing open', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    try {
      await expect(
        runService(pingService, { ...serviceConfigFor(infra, ServiceName.CartWorker), LOG_LEVEL: 'error', PORT: port }),
      ).rejects.toThrow(/EADDRINUSE/);
      expect(await queueConsumers(infra.amqpUrl, namespaced(infra.namespace, Queues.cartCommands.name))).toBe(0);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
