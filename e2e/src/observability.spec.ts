import { randomBytes, randomUUID } from 'node:crypto';
import { brokerUserName, namespaced, Queues, ServiceName } from '@saga/contracts';
import { publishRaw, waitFor } from '@saga/testing';
import { OtlpCollector, type ReceivedSpan } from './harness/otlp-collector';
import { Shop, user } from './harness/shop';
import { SystemUnderTest } from './harness/system-under-test';

const serverKind = 2;
const consumerKind = 5;
const errorStatus = 2;

/** A log line an app wrote, parsed (the apps log JSON here). */
interface LogLine {
  readonly app: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

describe('traces, logs and metrics of the running system', () => {
  let collector: OtlpCollector;
  let sut: SystemUnderTest;
  let shop: Shop;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    collector = await OtlpCollector.start();
    sut = await SystemUnderTest.start({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'info' },
      onLine: (app, line) => {
        try {
          lines.push({ app, ...(JSON.parse(line) as { message: string }) });
        } catch {
          // Not every line is JSON (a crash's stack, say); those are not what this spec reads.
        }
      },
    });
    shop = new Shop(sut);
  });

  afterAll(async () => {
    await sut?.stop();
    await collector?.stop();
  });

  /** Places an order in a trace of our own, as a caller with an OpenTelemetry SDK would. */
  async function tracedOrder(
    body: Record<string, unknown> & { userId: string },
  ): Promise<{ orderId: string; traceId: string; parentId: string; requestId: string }> {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const requestId = `spec-${randomUUID()}`;
    const orderId = await shop.order(body, {
      traceparent: `00-${traceId}-${parentId}-01`,
      'x-request-id': requestId,
    });
    return { orderId, traceId, parentId, requestId };
  }

  /** The trace's spans once the saga's own span has arrived (it is recorded when the saga ends). */
  async function sagaTrace(traceId: string): Promise<{ spans: ReceivedSpan[]; saga: ReceivedSpan }> {
    const saga = await waitFor(async () => collector.trace(traceId).find((span) => span.name === 'saga order-saga'), {
      description: `the saga span of trace ${traceId}`,
      timeoutMs: 20_000,
    });
    // Spans of the same trace may still be on their way from another app's exporter.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { spans: collector.trace(traceId), saga };
  }

  it('follows one order in one trace: the request, every handler, every step and the saga', async () => {
    const kettle = await shop.product('Kettle', 2500, 10);
    const ada = user('ada');
    await shop.wallet(ada, 10_000);

    const { orderId, traceId, parentId, requestId } = await tracedOrder({
      userId: ada,
      items: [{ productId: kettle.id, quantity: 1 }],
      payment: { method: 'wallet' },
    });
    expect((await sut.settledOrder(orderId)).status).toBe('COMPLETED');
    const { spans, saga } = await sagaTrace(traceId);

    const request = spans.find((span) => span.name === 'POST /me/orders');
    expect(request).toMatchObject({ service: 'order-api', kind: serverKind, parentSpanId: parentId });
    expect(saga).toMatchObject({ service: 'order-saga', attributes: { 'saga.status': 'COMPLETED' } });

    // One span per step that ran, each a child of the saga's span.
    const ran = (await sut.sagaOf(orderId)).events.filter((e) => e.type === 'step-started').map((e) => e.stepId);
    const steps = spans.filter((span) => span.attributes['saga.phase'] === 'action');
    expect(steps.map((span) => span.name).sort()).toEqual([...ran].sort());
    for (const step of steps) expect(step).toMatchObject({ parentSpanId: saga.spanId, status: 0 });

    // Each worker's handler of a step's command is a child of that step's span.
    const reserve = steps.find((span) => span.name === 'reserve-stock')!;
    expect(spans).toContainEqual(
      expect.objectContaining({
        service: 'inventory-worker',
        name: 'inventory-worker.commands process',
        kind: consumerKind,
        parentSpanId: reserve.spanId,
      }),
    );
    const services = new Set(spans.filter((span) => span.kind === consumerKind).map((span) => span.service));
    expect([...services].sort()).toEqual(
      ['order-api', 'order-saga', 'inventory-worker', 'payment-worker', 'notification-worker'].sort(),
    );

    // The outbox row that carried the order to the orchestrator kept the request's trace.
    const [placed] = await sut.rows<{ headers: Record<string, string> }>(
      `SELECT headers FROM orders.outbox WHERE envelope->>'type' = 'order.placed' AND envelope->>'correlationId' = $1`,
      [orderId],
    );
    expect(placed.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    // Log lines name the trace and the request, in the API and in the orchestrator the request reached.
    const answered = lines.find((line) => line.message === 'request completed' && line.requestId === requestId);
    expect(answered).toMatchObject({ app: 'order-api', traceId, url: '/me/orders', statusCode: 202 });
    const finished = await waitFor(
      async () => lines.find((line) => line.message === 'saga completed' && line.correlationId === orderId),
      { description: 'the saga completed line' },
    );
    expect(finished).toMatchObject({ app: 'order-saga', traceId, requestId });
  });

  it('links each compensation to the step it undoes, and marks the failed saga', async () => {
    const beans = await shop.product('Beans', 3200, 10);
    const di = user('di');

    const { orderId, traceId } = await tracedOrder({
      userId: di,
      items: [{ productId: beans.id, quantity: 1 }],
      payment: { method: 'card', token: 'pm_card_chargeDeclined' },
    });
    expect((await sut.settledOrder(orderId)).status).toBe('FAILED');
    const { spans, saga } = await sagaTrace(traceId);

    expect(saga).toMatchObject({ status: errorStatus, attributes: { 'saga.status': 'FAILED' } });
    const action = (step: string) => spans.find((span) => span.name === step)!;
    expect(action('authorize-payment')).toMatchObject({
      status: errorStatus,
      attributes: { 'saga.outcome': 'failed' },
    });
    const compensations = spans.filter((span) => span.attributes['saga.phase'] === 'compensation');
    expect(compensations.map((span) => span.name).sort()).toEqual([
      'compensate process-order',
      'compensate reserve-stock',
    ]);
    for (const compensation of compensations) {
      const undone = action(compensation.name.replace('compensate ', ''));
      expect(compensation.parentSpanId).toBe(saga.spanId);
      expect(compensation.links).toEqual([{ traceId, spanId: undone.spanId }]);
    }
  });

  it('serves metrics per app: routes, queues without the namespace, sagas, steps and the gauges', async () => {
    const queue = namespaced(sut.infra.namespace, Queues.inventoryCommands.name);
    const asOrchestrator = { userId: brokerUserName(sut.infra.namespace, ServiceName.OrderSaga) };
    await publishRaw(sut.infra.amqpUrl, { queue, content: 'not json', properties: asOrchestrator });

    const metricsOf = async (app: 'order-api' | 'order-saga' | 'inventory-worker') => {
      const response = await fetch(`${sut.system.url(app)}/metrics`);
      return response.text();
    };
    const deadLettered =
      /saga_messages_consumed_total\{[^}]*queue="inventory-worker.commands"[^}]*outcome="dead_letter"[^}]*\} 1/;
    const inventory = await waitFor(
      async () => {
        const text = await metricsOf('inventory-worker');
        return deadLettered.test(text) && text;
      },
      { description: 'the dead letter counted on its queue' },
    );
    expect(inventory).toMatch(/saga_dead_letter_queue_depth\{[^}]*queue="inventory-worker.commands"[^}]*\} 1/);
    expect(inventory).toMatch(/saga_messages_consumed_total\{[^}]*queue="inventory-worker.commands"[^}]*outcome="ack"/);
    expect(inventory).toMatch(/saga_outbox_unpublished\{[^}]*\} \d+/);
    expect(inventory).toMatch(/saga_outbox_oldest_unpublished_seconds\{[^}]*\} [\d.]+/);
    expect(inventory).not.toContain(sut.infra.namespace);

    const api = await metricsOf('order-api');
    expect(api).toMatch(/saga_http_requests_total\{[^}]*method="POST",route="\/me\/orders",status="202"[^}]*\} [2-9]/);
    expect(api).toMatch(/saga_http_request_duration_seconds_count\{[^}]*route="\/me\/orders"[^}]*\} \d+/);
    expect(api).toMatch(/saga_messages_published_total\{[^}]*exchange="saga.events",type="order.placed"[^}]*\} \d+/);

    const orchestrator = await metricsOf('order-saga');
    for (const event of ['started', 'completed', 'compensating', 'failed']) {
      expect(orchestrator).toMatch(
        new RegExp(`saga_sagas_total\\{[^}]*definition="order-saga",event="${event}"[^}]*\\} [1-9]`),
      );
    }
    expect(orchestrator).toMatch(
      /saga_step_duration_seconds_count\{[^}]*definition="order-saga",step="reserve-stock",phase="action",outcome="succeeded"[^}]*\} [1-9]/,
    );
    expect(orchestrator).toMatch(
      /saga_step_duration_seconds_count\{[^}]*step="reserve-stock",phase="compensation",outcome="succeeded"[^}]*\} [1-9]/,
    );
    expect(orchestrator).toMatch(/saga_sagas\{[^}]*definition="order-saga",status="COMPLETED"[^}]*\} [1-9]/);
    expect(orchestrator).toMatch(/saga_dead_letter_queue_depth\{[^}]*queue="order-saga.replies"[^}]*\} 0/);
  });
});
