import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics every service exposes, in a registry of its own. */
export interface Metrics {
  registry: Registry;
  messagesConsumed: Counter<'queue' | 'type' | 'outcome'>;
  messagesPublished: Counter<'exchange' | 'type'>;
  handlerSeconds: Histogram<'queue' | 'type'>;
}

/** Creates the service's registry with process metrics and the messaging counters, labelled by service. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    messagesConsumed: new Counter({
      name: 'saga_messages_consumed_total',
      help: 'Messages taken from a queue, by outcome (ack, requeue, dead_letter).',
      labelNames: ['queue', 'type', 'outcome'],
      registers: [registry],
    }),
    messagesPublished: new Counter({
      name: 'saga_messages_published_total',
      help: 'Messages the broker confirmed.',
      labelNames: ['exchange', 'type'],
      registers: [registry],
    }),
    handlerSeconds: new Histogram({
      name: 'saga_message_handler_seconds',
      help: 'Time a message handler took, acknowledgement excluded.',
      labelNames: ['queue', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** Adds GET /metrics serving the registry in the Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
