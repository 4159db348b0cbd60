import type { FastifyInstance } from 'fastify';
import { routeOf } from './http-route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics every service exposes, in a registry of its own. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpSeconds: Histogram<'method' | 'route'>;
  messagesConsumed: Counter<'queue' | 'type' | 'outcome'>;
  messagesPublished: Counter<'exchange' | 'type'>;
  handlerSeconds: Histogram<'queue' | 'type'>;
  sagas: Counter<'definition' | 'event'>;
  stepSeconds: Histogram<'definition' | 'step' | 'phase' | 'outcome'>;
}

/** Where latencies fall: from a fast handler's milliseconds to a slow step's seconds. */
const secondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Creates the service's registry with process metrics, HTTP, messaging and saga counters, labelled by service. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'saga_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern (unmatched: no route) and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpSeconds: new Histogram({
      name: 'saga_http_request_duration_seconds',
      help: 'Time from an HTTP request received to its answer sent, by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: secondsBuckets,
      registers,
    }),
    messagesConsumed: new Counter({
      name: 'saga_messages_consumed_total',
      help: 'Messages taken from a queue, by outcome (ack, retry, requeue, dead_letter).',
      labelNames: ['queue', 'type', 'outcome'],
      registers,
    }),
    messagesPublished: new Counter({
      name: 'saga_messages_published_total',
      help: 'Messages the broker confirmed, by exchange.',
      labelNames: ['exchange', 'type'],
      registers,
    }),
    handlerSeconds: new Histogram({
      name: 'saga_message_handler_seconds',
      help: 'Time a message handler took, acknowledgement excluded.',
      labelNames: ['queue', 'type'],
      buckets: secondsBuckets,
      registers,
    }),
    sagas: new Counter({
      name: 'saga_sagas_total',
      help: 'Sagas by definition and what happened to them: started, compensating, completed, failed, stalled, killed.',
      labelNames: ['definition', 'event'],
      registers,
    }),
    stepSeconds: new Histogram({
      name: 'saga_step_duration_seconds',
      help: "Time from a step's command first sent to its outcome, retries included, by step, phase and outcome.",
      labelNames: ['definition', 'step', 'phase', 'outcome'],
      buckets: secondsBuckets,
      registers,
    }),
  };
}

/** One value of a gauge read at scrape time, with its labels. */
export interface GaugeReading<Label extends string> {
  readonly labels: Partial<Record<Label, string>>;
  readonly value: number;
}

/** A gauge whose values are read when Prometheus scrapes (from the database, the broker). */
export interface ObservedGauge<Label extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly Label[];
  /** Reads the values now; a read that fails leaves the gauge empty for this scrape. */
  read(): Promise<readonly GaugeReading<Label>[]>;
}

/** Adds a gauge read at scrape time; a failed read (the database down, say) never fails the scrape. */
export function observeGauge<Label extends string>(metrics: Metrics, gauge: ObservedGauge<Label>): void {
  const { read } = gauge;
  new Gauge<Label>({
    name: gauge.name,
    help: gauge.help,
    labelNames: gauge.labelNames ?? [],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const readings = await read().catch(() => []);
      for (const { labels, value } of readings) this.set(labels, value);
    },
  });
}

/**
 * Counts and times every request by method and route pattern (a URL no route matched counts as
 * `unmatched`, so a scan of random paths adds no series).
 */
export function countRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = routeOf(request);
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}

/** Adds GET /metrics serving the registry in the Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
