/**
 * The images the tests run PostgreSQL and RabbitMQ from where neither runs locally: docker-compose.yml's
 * own, so the tests and the stack run the same versions (test-servers.spec.ts holds them equal). The
 * management image, as the tests create their broker users through its HTTP API.
 */
export const testImages = { postgres: 'postgres:15', rabbitmq: 'rabbitmq:3.10-management' } as const;

/** Where the tests find the local servers, as administrators, when no variable names others. */
export const localTestServers = {
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
} as const;

/**
 * The variable naming the container the tests' broker runs in, for the fault helpers' rabbitmqctl
 * (`docker exec`); unset where the broker is local.
 */
export const rabbitmqContainerVariable = 'TEST_RABBITMQ_CONTAINER';

/** A PostgreSQL server in a container: a superuser's URL of it. */
export interface PostgresContainer {
  readonly postgresUrl: string;
  stop(): Promise<void>;
}

/** A RabbitMQ broker in a container: an administrator's URL, its management API and the container's id. */
export interface RabbitMqContainer {
  readonly amqpUrl: string;
  readonly managementUrl: string;
  readonly containerId: string;
  stop(): Promise<void>;
}

/** Starts PostgreSQL from testImages.postgres. Rejects at once where no container runtime answers. */
export async function startPostgresContainer(): Promise<PostgresContainer> {
  // Imported lazily: testcontainers costs a second to load and is useless where Docker does not run.
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(testImages.postgres).start();
  return {
    postgresUrl: container.getConnectionUri(),
    stop: async () => {
      await container.stop();
    },
  };
}

/** Starts RabbitMQ from testImages.rabbitmq. Rejects at once where no container runtime answers. */
export async function startRabbitMqContainer(): Promise<RabbitMqContainer> {
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const container = await new RabbitMQContainer(testImages.rabbitmq).start();
  // getAmqpUrl() carries no user: name the one RabbitMQContainer creates, as the management API and
  // the specs that log in to it read the user from this URL.
  const amqpUrl = new URL(container.getAmqpUrl());
  amqpUrl.username = 'guest';
  amqpUrl.password = 'guest';
  return {
    amqpUrl: amqpUrl.toString(),
    managementUrl: `http://${container.getHost()}:${container.getMappedPort(15672)}`,
    containerId: container.getId(),
    stop: async () => {
      await container.stop();
    },
  };
}

/** Which servers a test run needs in containers. */
export interface TestServerChoice {
  readonly postgres: boolean;
  readonly rabbitmq: boolean;
}

/** Servers started in containers for a whole test run, and the variables that point the tests at them. */
export interface TestServerContainers {
  /** DATABASE_URL; AMQP_URL, RABBITMQ_MANAGEMENT_URL and TEST_RABBITMQ_CONTAINER: those of the started ones. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * Starts the chosen servers in containers once for a whole test run (npm test where they neither run
 * nor can be started locally), so that every spec process shares them instead of starting its own.
 */
export async function startTestServerContainers(choice: TestServerChoice): Promise<TestServerContainers> {
  const [postgres, rabbitmq] = await Promise.allSettled([
    choice.postgres ? startPostgresContainer() : undefined,
    choice.rabbitmq ? startRabbitMqContainer() : undefined,
  ]);
  const started = [postgres, rabbitmq].flatMap((result) =>
    result.status === 'fulfilled' && result.value ? [result.value] : [],
  );
  const stop = async () => {
    await Promise.all(started.map((container) => container.stop()));
  };
  for (const result of [postgres, rabbitmq]) {
    if (result.status === 'rejected') {
      await stop();
      throw result.reason;
    }
  }
  const env: Record<string, string> = {};
  if (postgres.status === 'fulfilled' && postgres.value) env.DATABASE_URL = postgres.value.postgresUrl;
  if (rabbitmq.status === 'fulfilled' && rabbitmq.value) {
    env.AMQP_URL = rabbitmq.value.amqpUrl;
    env.RABBITMQ_MANAGEMENT_URL = rabbitmq.value.managementUrl;
    env[rabbitmqContainerVariable] = rabbitmq.value.containerId;
  }
  return { env, stop };
}
