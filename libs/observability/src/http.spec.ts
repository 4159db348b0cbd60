import Fastify, { type FastifyInstance } from 'fastify';
import { PassThrough } from 'node:stream';
import { createLogger } from './create-logger';
import { registerHealthRoutes } from './health-routes';
import { logRequests } from './log-requests';
import { countRequests, createMetrics, registerMetricsRoute } from './metrics';
import { startTracing, traceHeaders, type Tracing } from './tracing';

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
    metrics.messagesConsumed.inc({ queue: 'payment-worker.commands', type: 'payment.capture', outcome: 'ack' });
    metrics.messagesPublished.inc({ exchange: 'saga.replies', type: 'saga.reply' });
    metrics.handlerSeconds.observe({ queue: 'payment-worker.commands', type: 'payment.capture' }, 0.02);
    const app = Fastify();
    registerMetricsRoute(app, metrics.registry);

    const response = await app.inject({ method: 'GET', url: '/metrics' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain(
      'saga_messages_consumed_total{queue="payment-worker.commands",type="payment.capture",outcome="ack",service="payment-worker"} 1',
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

describe('requests in their trace', () => {
  let tracing: Tracing;
  let app: FastifyInstance;
  let destination: PassThrough;
  const seen: Record<string, string>[] = [];

  beforeAll(async () => {
    tracing = startTracing({ service: 'order-api' });
    destination = new PassThrough();
    const logger = createLogger({ service: 'order-api', format: 'json', destination });
    app = Fastify();
    logRequests(app, logger);
    const metrics = createMetrics('order-api');
    countRequests(app, metrics);
    registerMetricsRoute(app, metrics.registry);
    app.post('/me/orders', async () => {
      // What a message written here would carry (the outbox keeps exactly this).
      seen.push(traceHeaders());
      logger.info('order placed');
      return { ok: true };
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await tracing.stop();
  });

  function lines(): Record<string, unknown>[] {
    const text = String(destination.read() ?? '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it("continues the caller's trace, keeps its request id, and carries both into messages and log lines", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await app.inject({
      method: 'POST',
      url: '/me/orders',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-42' },
    });

    expect(response.headers['x-request-id']).toBe('req-42');
    expect(seen.at(-1)?.traceparent).toMatch(new RegExp(`^00-${traceId}-(?!00f067aa0ba902b7)[0-9a-f]{16}-0[01]$`));
    expect(seen.at(-1)?.baggage).toContain('req-42');
    const [placed, completed] = lines();
    expect(placed).toMatchObject({ message: 'order placed', traceId, requestId: 'req-42' });
    expect(completed).toMatchObject({ message: 'request completed', traceId, requestId: 'req-42' });
  });

  it('starts a trace and a request id of its own for a caller with none, or with malformed ones', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/me/orders',
      headers: { traceparent: '00-not-a-trace-01', 'x-request-id': 'line\u0001break'.repeat(20) },
    });

    const requestId = String(response.headers['x-request-id']);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [placed] = lines();
    expect(placed).toMatchObject({ requestId, traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('counts requests by route pattern, and any URL no route matched as one series', async () => {
    await app.inject({ method: 'GET', url: '/wp-admin/setup.php' });
    await app.inject({ method: 'GET', url: '/.env' });
    lines();
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;

    expect(metrics).toMatch(
      /saga_http_requests_total\{method="POST",route="\/me\/orders",status="200",service="order-api"\} 2/,
    );
    expect(metrics).toMatch(
      /saga_http_requests_total\{method="GET",route="unmatched",status="404",service="order-api"\} 2/,
    );
    expect(metrics).not.toContain('wp-admin');
  });
});
