import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { orderApprove, orderCompleteRefund, orderFailRefund, orderOpenRefund, orderProcess } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { OutboxMessage, TransactionalMessaging } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { createHttpApp, openServiceDatabase, type HttpApp, type ServiceContext } from '@saga/runtime';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { approveOrder } from '../commands/approve-order';
import { completeRefund } from '../commands/complete-refund';
import { failRefund } from '../commands/fail-refund';
import { openRefund } from '../commands/open-refund';
import { processOrder } from '../commands/process-order';
import { defaultOrderApiSettings, orderApiService } from '../order-api-service';
import { registerOrderRoutes } from './order-routes';
import { registerRefundRoutes } from './refund-routes';

describe('refunds of completed orders', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let app: HttpApp;
  const logger = createLogger({ service: 'order-api-test', level: 'warn' });
  const kettle = randomUUID();
  const mug = randomUUID();

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await openServiceDatabase(orderApiService(defaultOrderApiSettings), infra.databaseUrl, {
      poolSize: 20,
    });
    const messaging = new TransactionalMessaging(dataSource, { wake: () => undefined });
    app = createHttpApp(logger);
    const context = { dataSource, messaging, logger } as unknown as ServiceContext;
    registerOrderRoutes(app, { ...context, idempotencyKeyTtlMs: 60_000 });
    registerRefundRoutes(app, context);
  });

  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
    await infra?.teardown();
  });

  /** An order of 2 kettles at 49.00 and 3 mugs at 12.00, through to COMPLETED as its saga would take it. */
  async function completedOrder(): Promise<string> {
    const placed = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: {
        userId: 'ada',
        items: [
          { productId: kettle, quantity: 2 },
          { productId: mug, quantity: 3 },
        ],
        payment: { method: 'wallet' },
      },
    });
    const { orderId } = placed.json();
    await runCommand({ dataSource }, orderProcess, processOrder, { orderId });
    await runCommand({ dataSource }, orderApprove, approveOrder, {
      orderId,
      items: [
        { productId: kettle, quantity: 2, name: 'Kettle', unitPrice: 4_900 },
        { productId: mug, quantity: 3, name: 'Mug', unitPrice: 1_200 },
      ],
      total: 2 * 4_900 + 3 * 1_200,
    });
    return orderId;
  }

  const refund = (orderId: string, body: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/orders/${orderId}/refunds`, payload: body, headers });

  /** Runs a refund's saga on the order side to the end: opened, then completed. */
  async function settle(orderId: string, refundId: string) {
    const view = (await app.inject({ method: 'GET', url: `/orders/${orderId}/refunds/${refundId}` })).json();
    await runCommand({ dataSource }, orderOpenRefund, openRefund, { refundId, orderId });
    return runCommand({ dataSource }, orderCompleteRefund, completeRefund, {
      refundId,
      orderId,
      items: view.items,
      amount: view.amount,
    });
  }

  it('refunds a whole order: 202 with its Location, and the event that starts the refund saga', async () => {
    const orderId = await completedOrder();

    const response = await refund(orderId, { reason: 'arrived broken' });

    expect(response.statusCode).toBe(202);
    const { refundId, status, amount, items } = response.json();
    expect({ status, amount }).toEqual({ status: 'REQUESTED', amount: 13_400 });
    expect(items.map((i: { quantity: number }) => i.quantity).sort()).toEqual([2, 3]);
    expect(response.headers.location).toBe(`/orders/${orderId}/refunds/${refundId}`);
    const [event] = await dataSource
      .getRepository(OutboxMessage)
      .find({ where: { routingKey: 'order.refund-requested' }, order: { id: 'DESC' }, take: 1 });
    expect(event.envelope).toMatchObject({
      correlationId: refundId,
      payload: { refundId, orderId, amount: 13_400, reason: 'arrived broken' },
    });

    expect(await settle(orderId, refundId)).toEqual({ outcome: 'success', result: { orderStatus: 'REFUNDED' } });
    const order = (await app.inject({ method: 'GET', url: `/orders/${orderId}` })).json();
    expect(order.status).toBe('REFUNDED');
  });

  it('refunds part by part, summing to the total, and refuses a refund past it', async () => {
    const orderId = await completedOrder();

    const first = await refund(orderId, { items: [{ productId: kettle, quantity: 1 }], reason: 'one was dented' });
    await settle(orderId, first.json().refundId);
    const afterFirst = (await app.inject({ method: 'GET', url: `/orders/${orderId}` })).json();
    const rest = await refund(orderId, { reason: 'changed my mind' });
    await settle(orderId, rest.json().refundId);
    const past = await refund(orderId, { items: [{ productId: mug, quantity: 1 }], reason: 'again' });

    expect(first.json().amount + rest.json().amount).toBe(13_400);
    expect(afterFirst.status).toBe('PARTIALLY_REFUNDED');
    expect((await app.inject({ method: 'GET', url: `/orders/${orderId}` })).json().status).toBe('REFUNDED');
    expect(past.statusCode).toBe(409);
    expect(past.headers['content-type']).toContain('application/problem+json');
  });

  it('refuses more of a line than is left to refund with 422 naming the field', async () => {
    const orderId = await completedOrder();
    await refund(orderId, { items: [{ productId: mug, quantity: 2 }], reason: 'two chipped' });

    const response = await refund(orderId, {
      items: [
        { productId: kettle, quantity: 1 },
        { productId: mug, quantity: 2 },
      ],
      reason: 'and more',
    });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      field: 'items[1].quantity',
      detail: expect.stringContaining('Only 1 of Mug'),
    });
  });

  it('takes exactly one of several concurrent refunds of the whole order', async () => {
    const orderId = await completedOrder();

    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => refund(orderId, { reason: `try ${i}` })));

    expect(responses.map((r) => r.statusCode).sort()).toEqual([202, 409, 409, 409, 409, 409]);
    const { refunds } = (await app.inject({ method: 'GET', url: `/orders/${orderId}/refunds` })).json();
    expect(refunds).toHaveLength(1);
  });

  it('lets a failed refund be asked for again, its lines given back', async () => {
    const orderId = await completedOrder();
    const { refundId } = (await refund(orderId, { reason: 'first try' })).json();
    await runCommand({ dataSource }, orderOpenRefund, openRefund, { refundId, orderId });
    await runCommand({ dataSource }, orderFailRefund, failRefund, {
      refundId,
      orderId,
      code: 'invalid_state',
      reason: 'The card payment could not be refunded.',
    });

    const failed = (await app.inject({ method: 'GET', url: `/orders/${orderId}/refunds/${refundId}` })).json();
    const again = await refund(orderId, { reason: 'second try' });

    expect(failed).toMatchObject({ status: 'FAILED', failure: { reason: 'The card payment could not be refunded.' } });
    expect(again.statusCode).toBe(202);
    expect(again.json().amount).toBe(13_400);
  });

  it('answers the same refund to a retry with the same Idempotency-Key, and 422 to the key with another body', async () => {
    const orderId = await completedOrder();
    const headers = { 'idempotency-key': 'refund-1' };

    const first = await refund(orderId, { items: [{ productId: mug, quantity: 1 }], reason: 'chipped' }, headers);
    const again = await refund(orderId, { items: [{ productId: mug, quantity: 1 }], reason: 'chipped' }, headers);
    const other = await refund(orderId, { items: [{ productId: mug, quantity: 2 }], reason: 'chipped' }, headers);

    expect(again.json().refundId).toBe(first.json().refundId);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(other.statusCode).toBe(422);
  });

  it.each([
    [
      'an order that is not completed',
      async () =>
        (
          await app.inject({
            method: 'POST',
            url: '/orders',
            payload: { userId: 'bo', items: [{ productId: mug, quantity: 1 }], payment: { method: 'wallet' } },
          })
        ).json().orderId,
      409,
    ],
    ['an order that does not exist', async () => randomUUID(), 404],
  ])('refuses to refund %s', async (_name, orderOf, status) => {
    const response = await refund(await orderOf(), { reason: 'no' });
    expect(response.statusCode).toBe(status);
  });

  it('answers 400 naming the field for a body without a reason, a reason with a NUL byte, or a product listed twice', async () => {
    const orderId = await completedOrder();
    const noReason = await refund(orderId, {});
    const twice = await refund(orderId, {
      items: [
        { productId: mug, quantity: 1 },
        { productId: mug, quantity: 1 },
      ],
      reason: 'x',
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    expect(twice.json().errors).toEqual([expect.objectContaining({ field: 'items' })]);
    const nul = await refund(orderId, { reason: 'broken\u0000' });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().errors).toEqual([expect.objectContaining({ field: 'reason' })]);
  });
});
