import { deadLetterQueueName, Exchange, namespaced, Queues, retryQueueName, ServiceName } from '@saga/contracts';
import amqplib from 'amqplib';
import { Client } from 'pg';
import { publishRaw, queueDepth, readQueue } from './broker-helpers';
import { provisionTestInfrastructure, type TestInfrastructure } from './provision-test-infrastructure';

async function queryDatabase(databaseUrl: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function brokerHas(amqpUrl: string, check: (channel: amqplib.Channel) => Promise<unknown>): Promise<boolean> {
  const connection = await amqplib.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await check(channel);
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}

describe('provisionTestInfrastructure', () => {
  it('creates a fresh database and namespace per call and removes both on teardown', async () => {
    const first = await provisionTestInfrastructure();
    const second = await provisionTestInfrastructure();
    try {
      expect(first.namespace).toMatch(/^t[0-9a-f]+$/);
      expect(first.namespace).not.toBe(second.namespace);
      expect(first.databaseUrl).not.toBe(second.databaseUrl);
      const databaseName = new URL(first.databaseUrl).pathname.slice(1);
      expect(await queryDatabase(first.databaseUrl, 'SELECT current_database() AS name')).toEqual([
        { name: databaseName },
      ]);

      const queue = namespaced(first.namespace, Queues.cartCommands.name);
      const exchange = namespaced(first.namespace, Exchange.Commands);
      await brokerHas(first.amqpUrl, async (channel) => {
        await channel.assertExchange(exchange, 'topic', { durable: true });
        await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
        await channel.assertQueue(deadLetterQueueName(queue), { durable: true });
        await channel.assertQueue(retryQueueName(queue, 1), { durable: true });
        await channel.assertQueue(retryQueueName(queue, 4), { durable: true });
      });

      await first.teardown();

      const server = new URL(first.databaseUrl);
      server.pathname = '/postgres';
      const remaining = await queryDatabase(
        server.toString(),
        `SELECT 1 FROM pg_database WHERE datname = '${databaseName}'`,
      );
      expect(remaining).toEqual([]);
      await expect(brokerHas(first.amqpUrl, async () => undefined)).rejects.toThrow(/ACCESS_REFUSED/);
      expect(await brokerHas(first.adminAmqpUrl, (channel) => channel.checkQueue(queue))).toBe(false);
      expect(await brokerHas(first.adminAmqpUrl, (channel) => channel.checkQueue(deadLetterQueueName(queue)))).toBe(
        false,
      );
      for (const attempt of [1, 4]) {
        expect(
          await brokerHas(first.adminAmqpUrl, (channel) => channel.checkQueue(retryQueueName(queue, attempt))),
        ).toBe(false);
      }
      expect(await brokerHas(first.adminAmqpUrl, (channel) => channel.checkExchange(exchange))).toBe(false);
    } finally {
      await first.teardown();
      await second.teardown();
    }
  });

  it('with { system: true } sets up the topology and a broker user and database role per service, and removes them', async () => {
    const infrastructure = await provisionTestInfrastructure({ system: true });
    const services = infrastructure.services!;
    try {
      expect(Object.keys(services).sort()).toEqual(Object.values(ServiceName).sort());
      const cart = services[ServiceName.CartWorker];
      const queue = namespaced(infrastructure.namespace, Queues.cartCommands.name);
      expect(await brokerHas(cart.amqpUrl, (channel) => channel.checkQueue(retryQueueName(queue, 3)))).toBe(true);
      expect(await brokerHas(cart.amqpUrl, (channel) => channel.assertQueue(`${queue}.mine`))).toBe(false);
      expect(await queryDatabase(cart.databaseUrl, 'SELECT current_user AS role')).toEqual([
        { role: `${new URL(infrastructure.databaseUrl).pathname.slice(1)}_cart` },
      ]);
    } finally {
      await infrastructure.teardown();
    }
    await expect(brokerHas(services[ServiceName.CartWorker].amqpUrl, async () => undefined)).rejects.toThrow(
      /ACCESS_REFUSED/,
    );
    const server = new URL(infrastructure.databaseUrl);
    server.pathname = '/postgres';
    const roles = await queryDatabase(
      server.toString(),
      `SELECT rolname FROM pg_roles WHERE starts_with(rolname, '${new URL(infrastructure.databaseUrl).pathname.slice(1)}_')`,
    );
    expect(roles).toEqual([]);
  });

  it('drops a database that still has open connections', async () => {
    const infrastructure = await provisionTestInfrastructure();
    const client = new Client({ connectionString: infrastructure.databaseUrl });
    await client.connect();
    client.on('error', () => undefined);
    await infrastructure.teardown();
    await expect(client.query('SELECT 1')).rejects.toThrow();
    await client.end().catch(() => undefined);
  });
});

describe('broker helpers', () => {
  let infrastructure: TestInfrastructure;

  beforeAll(async () => {
    infrastructure = await provisionTestInfrastructure();
  });

  afterAll(() => infrastructure.teardown());

  it('publishes raw messages, counts them and reads them back with headers and properties', async () => {
    const queue = deadLetterQueueName(namespaced(infrastructure.namespace, Queues.cartCommands.name));
    await brokerHas(infrastructure.amqpUrl, (channel) => channel.assertQueue(queue, { durable: true }));

    await publishRaw(infrastructure.amqpUrl, {
      queue,
      content: 'not json',
      properties: { headers: { 'x-death-reason': 'invalid_message' }, messageId: 'm-1' },
    });
    await publishRaw(infrastructure.amqpUrl, { queue, content: Buffer.from('{"second":true}') });

    expect(await queueDepth(infrastructure.amqpUrl, queue)).toBe(2);
    const messages = await readQueue(infrastructure.amqpUrl, queue);
    expect(messages.map((m) => m.content.toString())).toEqual(['not json', '{"second":true}']);
    expect(messages[0].headers).toEqual({ 'x-death-reason': 'invalid_message' });
    expect(messages[0].properties).toMatchObject({ messageId: 'm-1' });
    expect(await queueDepth(infrastructure.amqpUrl, queue)).toBe(0);
  });
});

describe('provisionTestInfrastructure with a service down', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  function isolatedProvision(): typeof provisionTestInfrastructure {
    let provision!: typeof provisionTestInfrastructure;
    jest.isolateModules(() => {
      ({ provisionTestInfrastructure: provision } = jest.requireActual('./provision-test-infrastructure'));
    });
    return provision;
  }

  it('fails naming PostgreSQL, its URL and how to start it when the database server is down', async () => {
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/postgres';
    process.env.AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
    await expect(isolatedProvision()()).rejects.toThrow(
      /^PostgreSQL is not reachable at postgres:\/\/postgres@127\.0\.0\.1:1\/postgres \(.+\)\. Start the local services with `node scripts\/ensure-services\.mjs`/,
    );
  });

  it('fails naming RabbitMQ without printing its password when the broker refuses the connection', async () => {
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
    process.env.AMQP_URL = 'amqp://guest:wrong-secret@127.0.0.1:5672';
    await expect(isolatedProvision()()).rejects.toThrow(
      /^RabbitMQ is not reachable at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672 .*point AMQP_URL at a running server\.$/,
    );
  });
});
