import { deadLetterQueueName, Exchange, namespaced, Queues, retryQueueName } from '@saga/contracts';
import amqplib, { type Channel } from 'amqplib';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testIdentity, type TestIdentity } from './test-identity';

/** A fresh database and broker namespace for one test suite, and how to remove them. */
export interface TestInfrastructure {
  /** URL of a database created for this call only. */
  databaseUrl: string;
  amqpUrl: string;
  /** A prefix no other call shares (`t` + hex), to pass as the services' NAMESPACE. */
  namespace: string;
  /** The token issuer the services of this infrastructure trust. */
  identity: TestIdentity;
  /** Drops the database and deletes the namespace's queues, retry queues, dead-letter queues and exchanges. */
  teardown(): Promise<void>;
}

/** The environment a service needs to run on a TestInfrastructure, on any free port. */
export function serviceConfigFor(infra: TestInfrastructure) {
  return {
    DATABASE_URL: infra.databaseUrl,
    AMQP_URL: infra.amqpUrl,
    NAMESPACE: infra.namespace,
    AUTH_ISSUER: infra.identity.settings.issuer,
    AUTH_AUDIENCE: infra.identity.settings.audience,
    AUTH_JWT_SECRET: infra.identity.env.AUTH_JWT_SECRET,
    AUTH_FAILURES_PER_MINUTE: infra.identity.settings.failuresPerMinute,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: 0,
    // Short retry delays keep a spec whose handler fails fast; production defaults wait seconds.
    RETRY_DELAYS_MS: [100, 200, 400] as readonly number[],
    MESSAGE_RETENTION: 7 * 86_400_000,
  };
}

interface Servers {
  postgresUrl: string;
  amqpUrl: string;
}

const localPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const localAmqpUrl = 'amqp://guest:guest@127.0.0.1:5672';
const connectTimeoutMs = 5000;

// One set of servers per process: containers take seconds to start, databases and namespaces are cheap.
let servers: Promise<Servers> | undefined;

/** Creates a fresh database and namespace on real PostgreSQL and RabbitMQ; throws, naming the service, if one is down. */
export async function provisionTestInfrastructure(): Promise<TestInfrastructure> {
  servers ??= resolveServers();
  const { postgresUrl, amqpUrl } = await servers;
  const database = `test_${randomBytes(6).toString('hex')}`;
  const namespace = `t${randomBytes(5).toString('hex')}`;

  await assertBrokerReachable(amqpUrl);
  await withServer(postgresUrl, (client) => client.query(`CREATE DATABASE "${database}"`));

  const databaseUrl = new URL(postgresUrl);
  databaseUrl.pathname = `/${database}`;
  let tornDown = false;
  return {
    databaseUrl: databaseUrl.toString(),
    amqpUrl,
    namespace,
    identity: testIdentity(),
    async teardown() {
      if (tornDown) return;
      tornDown = true;
      await deleteNamespace(amqpUrl, namespace);
      await withServer(postgresUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
}

async function resolveServers(): Promise<Servers> {
  const fromEnv = { postgresUrl: process.env.DATABASE_URL, amqpUrl: process.env.AMQP_URL };
  if (fromEnv.postgresUrl && fromEnv.amqpUrl) return { postgresUrl: fromEnv.postgresUrl, amqpUrl: fromEnv.amqpUrl };
  const docker = await dockerAvailable();
  return {
    postgresUrl: fromEnv.postgresUrl ?? (docker ? await startPostgresContainer() : localPostgresUrl),
    amqpUrl: fromEnv.amqpUrl ?? (docker ? await startRabbitMqContainer() : localAmqpUrl),
  };
}

async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

// Imported lazily: testcontainers costs a second to load and is useless where Docker does not run.
async function startPostgresContainer(): Promise<string> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:15-alpine').start();
  return container.getConnectionUri();
}

async function startRabbitMqContainer(): Promise<string> {
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const container = await new RabbitMQContainer('rabbitmq:3.13-alpine').start();
  return container.getAmqpUrl();
}

async function withServer<T>(postgresUrl: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw unreachable('PostgreSQL', postgresUrl, 'DATABASE_URL', error);
  }
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function assertBrokerReachable(amqpUrl: string): Promise<void> {
  try {
    const connection = await amqplib.connect(amqpUrl, { timeout: connectTimeoutMs });
    await connection.close();
  } catch (error) {
    throw unreachable('RabbitMQ', amqpUrl, 'AMQP_URL', error);
  }
}

async function deleteNamespace(amqpUrl: string, namespace: string): Promise<void> {
  const connection = await amqplib.connect(amqpUrl, { timeout: connectTimeoutMs });
  try {
    const channel = await connection.createChannel();
    for (const { name } of Object.values(Queues)) await deleteWorkQueue(channel, namespaced(namespace, name));
    for (const exchange of Object.values(Exchange)) await channel.deleteExchange(namespaced(namespace, exchange));
  } finally {
    await connection.close();
  }
}

// More levels than any spec configures; deleting a queue that does not exist is harmless on RabbitMQ.
const maxRetryLevels = 10;

/** Deletes a (namespaced) work queue with its `.dlq` and its retry queues, for a spec that declared its own. */
export async function deleteWorkQueue(channel: Channel, queue: string): Promise<void> {
  await channel.deleteQueue(queue);
  await channel.deleteQueue(deadLetterQueueName(queue));
  for (let attempt = 1; attempt <= maxRetryLevels; attempt++) await channel.deleteQueue(retryQueueName(queue, attempt));
}

function unreachable(service: string, url: string, variable: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message || cause.name : String(cause);
  return new Error(
    `${service} is not reachable at ${redact(url)} (${reason}). Start the local services with ` +
      `\`node scripts/ensure-services.mjs\` (or \`docker compose up -d\`), or point ${variable} at a running server.`,
    { cause },
  );
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
