import type { AddressInfo } from 'node:net';
import type { DataSource, EntitySchema, MixedList } from 'typeorm';
import { acceptedSenders, type QueueSpec } from '@saga/contracts';
import { identitySettingsFrom, type AuthConfig } from '@saga/identity';
import { Broker, type MessageHandler } from '@saga/messaging';
import {
  countRequests,
  createLogger,
  createMetrics,
  observeGauge,
  registerHealthRoutes,
  registerMetricsRoute,
  startTracing,
  type Logger,
  type Metrics,
} from '@saga/observability';
import { messageRetention, outboxBacklog, OutboxRelay, TransactionalMessaging } from '@saga/outbox';
import { isDatabaseReachable, type RetentionRule } from '@saga/persistence';
import { createHttpApp, type HttpApp } from '../http/create-http-app';
import { openServiceDatabase } from './open-service-database';
import { RetentionJob } from './retention-job';

/** The settings every service reads from its environment (see @saga/config baseEnv). */
export interface ServiceConfig extends AuthConfig {
  readonly DATABASE_URL: string;
  readonly AMQP_URL: string;
  readonly NAMESPACE: string;
  readonly LOG_LEVEL: string;
  readonly HOST: string;
  readonly PORT: number;
  /** Proxies trusted for the client's address (X-Forwarded-For); false: none. */
  readonly TRUST_PROXY?: boolean | number | string;
  /** The delay before each retry of a message whose handler failed, in milliseconds. */
  readonly RETRY_DELAYS_MS: readonly number[];
  /** How long processed inbox rows and published outbox rows are kept, in milliseconds. */
  readonly MESSAGE_RETENTION: number;
  /** Where spans are exported (OTLP/HTTP); unset: trace ids flow, nothing is exported. */
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string;
}

/** Everything a service's wiring may use once its connections are up. */
export interface ServiceContext {
  readonly logger: Logger;
  readonly dataSource: DataSource;
  readonly broker: Broker;
  readonly messaging: TransactionalMessaging;
  /** The service's registry, served at /metrics; wiring adds its own counters and gauges to it. */
  readonly metrics: Metrics;
}

/** A queue the service consumes, and what it does with each message. */
export interface Consumer {
  readonly queue: QueueSpec;
  readonly handler: MessageHandler;
}

/** Work a service runs beside its consumers (e.g. a scanner): started after them, stopped before them. */
export interface BackgroundWork {
  start(): void;
  stop(): Promise<void>;
}

/** What a service is made of once its connections are up. */
export interface ServiceWiring {
  readonly consumers?: readonly Consumer[];
  /** Registers the service's HTTP routes. */
  readonly routes?: (app: HttpApp) => void;
  /** Rows of the service's own tables that are deleted once old, beside its inbox and outbox. */
  readonly retention?: readonly RetentionRule[];
  readonly background?: readonly BackgroundWork[];
}

/** What makes one service: its schema, and the one function that composes it. */
export interface ServiceDefinition {
  /** The service's name in logs, connection names and inbox records, e.g. `inventory-worker`. */
  readonly name: string;
  readonly schema: string;
  readonly entities: MixedList<Function | EntitySchema>;
  readonly migrations: MixedList<Function>;
  /**
   * The composition root: builds what the service consumes, serves and runs from its connections,
   * once per start, before any message is consumed; may await a start-up check (and fail the start).
   */
  wire(context: ServiceContext): ServiceWiring | Promise<ServiceWiring>;
}

/** A started service. */
export interface RunningService {
  readonly url: string;
  readonly context: ServiceContext;
  /** Graceful stop: no new work, in-flight messages finished, outbox flushed, connections closed. */
  stop(): Promise<void>;
}

/**
 * Starts a service: database (with migrations), broker, outbox relay, HTTP with /healthz, /readyz and
 * /metrics, then consumers, the retention pass and background work. HTTP binds before anything is
 * consumed, so a service that cannot take its port consumes nothing. Ready means its database answers,
 * its broker connection is up and its consumers are running.
 */
export async function runService(definition: ServiceDefinition, config: ServiceConfig): Promise<RunningService> {
  const identity = identitySettingsFrom(config);
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const tracing = startTracing({ service: definition.name, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const dataSource = await openServiceDatabase(definition, config.DATABASE_URL).catch(async (error: unknown) => {
    await tracing.stop();
    throw error;
  });
  const metrics = createMetrics(definition.name);
  const broker = await Broker.connect({
    url: config.AMQP_URL,
    namespace: config.NAMESPACE,
    logger,
    connectionName: definition.name,
    metrics,
    retry: { delaysMs: config.RETRY_DELAYS_MS, jitter: 0.2 },
    // The topology is set up before any service starts (npm start, definitions.json), so a command sent
    // while its worker is down waits in its queue; a service's broker user may not declare anything.
    topology: 'provisioned',
    senders: (queue) => acceptedSenders(config.NAMESPACE, queue),
  });
  const relay = new OutboxRelay({ dataSource, publisher: broker, logger });
  const messaging = new TransactionalMessaging(dataSource, relay, { publisher: broker, logger });
  const context: ServiceContext = { logger, dataSource, broker, messaging, metrics };
  observeServiceGauges(context);
  relay.start();

  const wiring = await definition.wire(context);
  const retention = new RetentionJob({
    dataSource,
    logger,
    rules: [...messageRetention(config.MESSAGE_RETENTION), ...(wiring.retention ?? [])],
  });
  const background = [...(wiring.background ?? []), retention];

  // HTTP first: an app that cannot bind its port (taken, say) fails its start having consumed nothing.
  let consuming = false;
  const app = await createHttpApp(logger, identity, { service: definition.name, trustProxy: config.TRUST_PROXY });
  registerHealthRoutes(app, [
    { name: 'database', isHealthy: () => isDatabaseReachable(dataSource) },
    { name: 'broker', isHealthy: () => broker.isConnected() },
    { name: 'consumers', isHealthy: async () => consuming },
  ]);
  registerMetricsRoute(app, metrics.registry);
  countRequests(app, metrics);
  try {
    // A route that cannot be registered (one that says nothing of who may call it) fails the start too.
    wiring.routes?.(app);
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    await app.close();
    await relay.stop();
    await broker.close();
    await dataSource.destroy();
    await tracing.stop();
    throw error;
  }
  for (const consumer of wiring.consumers ?? []) {
    await broker.consume(consumer.queue, consumer.handler);
  }
  consuming = true;
  for (const work of background) work.start();
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}`;
  logger.info(`${definition.name} listening on ${url}`, {
    url,
    namespace: config.NAMESPACE,
    schema: definition.schema,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info(`${definition.name} stopping`);
      await app.close();
      for (const work of background) await work.stop();
      await broker.stopConsuming();
      await messaging.stop();
      await relay.stop();
      await broker.close();
      await dataSource.destroy();
      await tracing.stop();
      logger.info(`${definition.name} stopped`);
    })();
    return stopping;
  };
  return { url, context, stop };
}

/** The gauges every service has, read at scrape time: its outbox's backlog and its queues' dead letters. */
function observeServiceGauges({ metrics, dataSource, broker }: ServiceContext): void {
  // Both outbox gauges come from one query per scrape: a scrape reads every gauge at once.
  let reading: { at: number; backlog: ReturnType<typeof outboxBacklog> } | undefined;
  const backlog = () => {
    if (!reading || Date.now() - reading.at > 1000) reading = { at: Date.now(), backlog: outboxBacklog(dataSource) };
    return reading.backlog;
  };
  observeGauge(metrics, {
    name: 'saga_outbox_unpublished',
    help: 'Outbox rows written and not yet published.',
    read: async () => [{ labels: {}, value: (await backlog()).unpublished }],
  });
  observeGauge(metrics, {
    name: 'saga_outbox_oldest_unpublished_seconds',
    help: 'How long the oldest unpublished outbox row has waited (0 when none waits).',
    read: async () => [{ labels: {}, value: (await backlog()).oldestSeconds }],
  });
  observeGauge(metrics, {
    name: 'saga_dead_letter_queue_depth',
    help: "Messages waiting on the dead-letter queue of each queue the service consumes (the queue's name without the namespace).",
    labelNames: ['queue'],
    read: async () =>
      (await broker.deadLetterDepths()).map(({ queue, depth }) => ({ labels: { queue }, value: depth })),
  });
}
