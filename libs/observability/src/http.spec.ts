import Fastify, { type FastifyInstance } from 'fastify';
import { PassThrough } from 'node:stream';
import { createLogger } from './create-logger';
import { registerHealthRoutes } from './health-routes';
import { logRequests } from './log-requests';
import { createMetrics, registerMetricsRoute } from './metrics';

describe('health routes', () => {
  let app: FastifyInstance;
  let brokerUp: boolean;

  beforeEach(async () => {
    brokerUp = true;
    app = Fastify();
    registerHealthRoutes(app, [
      { name: 'database', isHealthy: async () => true },
      { name: 'broker', isHealthy: () => brokerUp },
    ]);
    await app.ready();
  });

  afterEach(() => app.close());

  it('answers /healthz with ok while the process runs', async () => {
    brokerUp = false;
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with ready when every check passes', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: true, broker: true } });
  });

  it('answers /readyz with 503 naming the failed check', async () => {
    brokerUp = false;
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', checks: { database: true, broker: false } });
  });

  it('counts a check that throws as failed', async () => {
    const throwing = Fastify();
    registerHealthRoutes(throwing, [
      {
        name: 'database',
        isHealthy: () => {
          throw new Error('connection refused');
        },
      },
      { name: 'broker', isHealthy: () => Promise.reject(new Error('closed')) },
    ]);
    const response = await throwing.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', checks: { database: false, broker: false } });
    await throwing.close();
  });
});

describe('metrics route', () => {
  it('serves the messaging metrics and process metrics in Prometheus text format', async () => {
    const metrics = createMetrics('payment-worker');
    metrics.messagesConsumed.inc({ queue: 'saga.payment-worker.commands', type: 'payment.capture', outcome: 'ack' });
    metrics.messagesPublished.inc({ exchange: 'saga.replies', type: 'saga.reply' });
    metrics.handlerSeconds.observe({ queue: 'saga.payment-worker.commands', type: 'payment.capture' }, 0.02);
    const app = Fastify();
    registerMetricsRoute(app, metrics.registry);

    const response = await app.inject({ method: 'GET', url: '/metrics' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain(
      'saga_messages_consumed_total{queue="saga.payment-worker.commands",type="payment.capture",outcome="ack",service="payment-worker"} 1',
    );
    expect(response.body).toContain(
      'saga_messages_published_total{exchange="saga.replies",type="saga.reply",service="payment-worker"} 1',
    );
    expect(response.body).toContain('saga_message_handler_seconds_count');
    expect(response.body).toContain('process_cpu_user_seconds_total');
    await app.close();
  });
});

describe('logRequests', () => {
  it('logs method, url, status code and duration of each answered request', async () => {
    const destination = new PassThrough();
    const logger = createLogger({ service: 'order-api', format: 'json', destination });
    const app = Fastify();
    logRequests(app, logger);
    app.get('/orders/:id', async (_request, reply) => reply.code(404).send({ title: 'Not Found' }));

    await app.inject({ method: 'GET', url: '/orders/7?verbose=1' });

    const line = JSON.parse(String(destination.read()));
    expect(line).toMatchObject({
      level: 'info',
      message: 'request completed',
      method: 'GET',
      url: '/orders/7?verbose=1',
      statusCode: 404,
      ms: expect.any(Number),
    });
    await app.close();
  });
});
