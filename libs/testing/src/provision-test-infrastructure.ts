import {
  deadLetterQueueName,
  Exchange,
  namespaced,
  Queues,
  retryQueueName,
  serviceSchemas,
  ServiceName,
} from '@saga/contracts';
import {
  dropServiceRoles,
  loginUrl,
  managementApiFor,
  putPermissions,
  putUser,
  removeBrokerUsers,
  setUpServiceLogins,
  type ServiceLogins,
} from '@saga/provisioning';
import amqplib, { type Channel } from 'amqplib';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testIdentity, type TestIdentity } from './test-identity';
import {
  localTestServers,
  rabbitmqContainerVariable,
  startPostgresContainer,
  startRabbitMqContainer,
} from './test-servers';

/** A fresh database and broker namespace for one test suite, and how to remove them. */
export interface TestInfrastructure {
  /** URL of a database created for this call only, as a superuser. */
  databaseUrl: string;
  /**
   * The namespace's test login: it may declare, publish and read anything in the namespace, and publish
   * as any of its services (it has RabbitMQ's impersonator tag), as CommandProbe does.
   */
  amqpUrl: string;
  /** A broker administrator: for checks that outlive the namespace's users, and for publishing as an outsider. */
  adminAmqpUrl: string;
  /** A prefix no other call shares (`t` + hex), to pass as the services' NAMESPACE. */
  namespace: string;
  /** The token issuer the services of this infrastructure trust. */
  identity: TestIdentity;
  /** With `{ system: true }`: each service's own broker user and database role, as npm start sets them up. */
  services?: Record<ServiceName, ServiceLogins>;
  /** Drops the database and roles, deletes the namespace's queues, exchanges and broker users. */
  teardown(): Promise<void>;
}

/** What to set up besides a database and a namespace. */
export interface ProvisionOptions {
  /**
   * The system's topology (every exchange and work queue, with retryQueues retry queues each), and one
   * broker user and database role per service, as npm start sets them up: what a service run by
   * runService needs.
   */
  system?: boolean;
}

// Short retry delays keep a spec whose handler fails fast; production defaults wait seconds.
const testRetryDelaysMs: readonly number[] = [100, 200, 400];
/** Retry queues per work queue where the system is set up: one per delay of serviceConfigFor's RETRY_DELAYS_MS. */
const systemFailureOptions = { deliveryLimit: 5, retries: testRetryDelaysMs.length };

/** The environment a service needs to run on a TestInfrastructure set up with `{ system: true }`, on any free port. */
export function serviceConfigFor(infra: TestInfrastructure, service: ServiceName) {
  const logins = infra.services?.[service];
  if (!logins) throw new Error('serviceConfigFor needs an infrastructure provisioned with { system: true }');
  return {
    DATABASE_URL: logins.databaseUrl,
    AMQP_URL: logins.amqpUrl,
    NAMESPACE: infra.namespace,
    AUTH_ISSUER: infra.identity.settings.issuer,
    AUTH_AUDIENCE: infra.identity.settings.audience,
    AUTH_JWT_SECRET: infra.identity.env.AUTH_JWT_SECRET,
    AUTH_FAILURES_PER_MINUTE: infra.identity.settings.failuresPerMinute,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: 0,
    RETRY_DELAYS_MS: testRetryDelaysMs,
    MESSAGE_RETENTION: 7 * 86_400_000,
  };
}

interface Servers {
  postgresUrl: string;
  /** An administrator of the broker. */
  amqpUrl: string;
  managementUrl?: string;
}

const connectTimeoutMs = 5000;

// One set of servers per process: containers take seconds to start, databases and namespaces are cheap.
let servers: Promise<Servers> | undefined;

/**
 * Creates a fresh database, namespace and test login on real PostgreSQL and RabbitMQ (its management API
 * too); with `{ system: true }` also what npm start sets up for the services. Throws, naming the service,
 * if one is down.
 */
export async function provisionTestInfrastructure(options: ProvisionOptions = {}): Promise<TestInfrastructure> {
  servers ??= resolveServers();
  const { postgresUrl, amqpUrl: adminUrl, managementUrl } = await servers;
  const database = `test_${randomBytes(6).toString('hex')}`;
  const namespace = `t${randomBytes(5).toString('hex')}`;

  await assertBrokerReachable(adminUrl);
  await withServer(postgresUrl, (client) => client.query(`CREATE DATABASE "${database}"`));
  const databaseUrl = new URL(postgresUrl);
  databaseUrl.pathname = `/${database}`;
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await deleteNamespace(adminUrl, namespace);
    await removeBrokerUsers(adminUrl, namespace, managementUrl);
    await withServer(postgresUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    if (options.system) await dropServiceRoles(postgresUrl, database, Object.values(serviceSchemas));
  };
  try {
    return {
      databaseUrl: databaseUrl.toString(),
      amqpUrl: await createTestLogin(adminUrl, namespace, managementUrl),
      adminAmqpUrl: adminUrl,
      namespace,
      identity: testIdentity(),
      services: options.system
        ? await setUpServiceLogins({
            adminAmqpUrl: adminUrl,
            managementUrl,
            adminDatabaseUrl: databaseUrl.toString(),
            namespace,
            failureOptions: systemFailureOptions,
            passwordFor: password,
          })
        : undefined,
      teardown,
    };
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  }
}

const password = () => randomBytes(12).toString('hex');

// `<namespace>.test`: everything within the namespace (and the server-named queues a probe declares),
// and the impersonator tag, so it may publish with any service's user_id.
async function createTestLogin(adminUrl: string, namespace: string, managementUrl?: string): Promise<string> {
  const api = managementApiFor(adminUrl, managementUrl);
  const name = namespaced(namespace, 'test');
  const secret = password();
  await putUser(api, { name, password: secret, tags: 'impersonator' });
  const anything = `^(${namespace}\..*|amq\.gen-.*|amq\.default)$`;
  await putPermissions(api, name, { configure: anything, write: anything, read: anything });
  return loginUrl(adminUrl, name, secret);
}

// npm test names its servers in the variables (run-tests.mjs); a spec run alone by jest may not.
async function resolveServers(): Promise<Servers> {
  const fromEnv = { postgresUrl: process.env.DATABASE_URL, amqpUrl: process.env.AMQP_URL };
  const managementUrl = process.env.RABBITMQ_MANAGEMENT_URL;
  if (fromEnv.postgresUrl && fromEnv.amqpUrl) return { ...fromEnv, managementUrl } as Servers;
  const docker = await dockerAvailable();
  const broker = fromEnv.amqpUrl
    ? { amqpUrl: fromEnv.amqpUrl, managementUrl }
    : docker
      ? await rabbitMqInContainer()
      : { amqpUrl: localTestServers.amqpUrl, managementUrl };
  return {
    postgresUrl:
      fromEnv.postgresUrl ?? (docker ? (await startPostgresContainer()).postgresUrl : localTestServers.postgresUrl),
    ...broker,
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

// The fault helpers of this process then run rabbitmqctl in this container.
async function rabbitMqInContainer(): Promise<{ amqpUrl: string; managementUrl: string }> {
  const { amqpUrl, managementUrl, containerId } = await startRabbitMqContainer();
  process.env[rabbitmqContainerVariable] = containerId;
  return { amqpUrl, managementUrl };
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
      `\`node scripts/ensure-services.mjs\` (npm test runs them in containers where only Docker is installed), ` +
      `or point ${variable} at a running server.`,
    { cause },
  );
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
