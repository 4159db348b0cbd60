import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { orderApprove, orderCompleteRefund, orderFailRefund, orderOpenRefund, orderProcess } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { OutboxMessage, TransactionalMessaging } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { createHttpApp, openServiceDatabase, type HttpApp, type ServiceContext } from '@saga/runtime';
import { Role } from '@saga/identity';
import { provisionTestInfrastructure, testIdentity, type TestInfrastructure } from '@saga/testing';
import { approveOrder } from '../commands/approve-order';
import { completeRefund } from '../commands/complete-refund';
import { failRefund } from '../commands/fail-refund';
import { openRefund } from '../commands/open-refund';
import { processOrder } from '../commands/process-order';
import { Refund } from '../domain/refund.entity';
import { defaultOrderApiSettings, orderApiService } from '../order-api-service';
import { registerOrderRoutes } from './order-routes';
import { registerRefundRoutes } from './refund-routes';

describe('refunds of completed orders', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let app: HttpApp;
  const logger = createLogger({ service: 'order-api-test', level: 'warn' });
  const identity = testIdentity();
  const ada = identity.as('ada');
  const kettle = randomUUID();
  const mug = randomUUID();

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await openServiceDatabase(orderApiService(defaultOrderApiSettings), infra.databaseUrl, {
      poolSize: 20,
    });
    const messaging = new TransactionalMessaging(dataSource, { wake: () => undefined });
    app = await createHttpApp(logger, identity.settings, { service: 'order-api' });
    const context = { dataSource, messaging, logger } as unknown as ServiceContext;
    registerOrderRoutes(app, {
      ...context,
      idempotencyKeyTtlMs: 60_000,
      rateLimits: { perUser: 1_000_000, perAddress: 1_000_000 },
    });
    registerRefundRoutes(app, context);
  });

  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
    await infra?.teardown();
  });

  const get = (url: string, headers: Record<string, string> = ada) => app.inject({ method: 'GET', url, headers });

  /** Ada's order of 2 kettles at 49.00 and 3 mugs at 12.00, through to COMPLETED as its saga would take it. */
  async function completedOrder(): Promise<string> {
    const placed = await app.inject({
      method: 'POST',
      url: '/me/orders',
      headers: ada,
      payload: {
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
    app.inject({
      method: 'POST',
      url: `/me/orders/${orderId}/refunds`,
      payload: body,
      headers: { ...ada, ...headers },
    });

  /** Runs a refund's saga on the order side to the end: opened, then completed. */
  async function settle(orderId: string, refundId: string) {
    const view = (await get(`/me/orders/${orderId}/refunds/${refundId}`)).json();
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
    expect(response.headers.location).toBe(`/me/orders/${orderId}/refunds/${refundId}`);
    const [event] = await dataSource
      .getRepository(OutboxMessage)
      .find({ where: { routingKey: 'order.refund-requested' }, order: { id: 'DESC' }, take: 1 });
    expect(event.envelope).toMatchObject({
      correlationId: refundId,
      payload: { refundId, orderId, amount: 13_400, reason: 'arrived broken' },
    });

    expect(await settle(orderId, refundId)).toEqual({ outcome: 'success', result: { orderStatus: 'REFUNDED' } });
    const order = (await get(`/me/orders/${orderId}`)).json();
    expect(order.status).toBe('REFUNDED');
  });

  it('refunds part by part, summing to the total, and refuses a refund past it', async () => {
    const orderId = await completedOrder();

    const first = await refund(orderId, { items: [{ productId: kettle, quantity: 1 }], reason: 'one was dented' });
    await settle(orderId, first.json().refundId);
    const afterFirst = (await get(`/me/orders/${orderId}`)).json();
    const rest = await refund(orderId, { reason: 'changed my mind' });
    await settle(orderId, rest.json().refundId);
    const past = await refund(orderId, { items: [{ productId: mug, quantity: 1 }], reason: 'again' });

    expect(first.json().amount + rest.json().amount).toBe(13_400);
    expect(afterFirst.status).toBe('PARTIALLY_REFUNDED');
    expect((await get(`/me/orders/${orderId}`)).json().status).toBe('REFUNDED');
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
    const { refunds } = (await get(`/me/orders/${orderId}/refunds`)).json();
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

    const failed = (await get(`/me/orders/${orderId}/refunds/${refundId}`)).json();
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
            url: '/me/orders',
            headers: ada,
            payload: { items: [{ productId: mug, quantity: 1 }], payment: { method: 'wallet' } },
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

  describe('who may call them', () => {
    const rowCounts = async () => [
      await dataSource.getRepository(Refund).count(),
      await dataSource.getRepository(OutboxMessage).count(),
    ];
    /** The refund routes of the order under the prefix, asked with the headers. */
    const refundRoutes = (
      prefix: '/me' | '/admin',
      orderId: string,
      refundId: string,
      headers: Record<string, string>,
    ) =>
      Promise.all([
        app.inject({ method: 'POST', url: `${prefix}/orders/${orderId}/refunds`, headers, payload: { reason: 'x' } }),
        app.inject({ method: 'GET', url: `${prefix}/orders/${orderId}/refunds`, headers }),
        app.inject({ method: 'GET', url: `${prefix}/orders/${orderId}/refunds/${refundId}`, headers }),
      ]);

    it('answers every refund route without a token 401 with a Bearer challenge, and asks for no refund', async () => {
      const orderId = await completedOrder();
      const { refundId } = (
        await refund(orderId, { items: [{ productId: mug, quantity: 1 }], reason: 'chipped' })
      ).json();
      const before = await rowCounts();

      const attempts = [
        ...(await refundRoutes('/me', orderId, refundId, {})),
        ...(await refundRoutes('/admin', orderId, refundId, {})),
      ];

      for (const response of attempts) {
        expect(response.statusCode).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="saga"');
      }
      expect(await rowCounts()).toEqual(before);
    });

    it("answers a shopper 404 for another shopper's order and its refunds, and refunds nothing", async () => {
      const orderId = await completedOrder();
      const { refundId } = (
        await refund(orderId, { items: [{ productId: mug, quantity: 1 }], reason: 'chipped' })
      ).json();
      const before = await rowCounts();
      const bo = identity.as('bo');

      const ask = await app.inject({
        method: 'POST',
        url: `/me/orders/${orderId}/refunds`,
        headers: bo,
        payload: { reason: 'not mine' },
      });
      const list = await get(`/me/orders/${orderId}/refunds`, bo);
      const one = await get(`/me/orders/${orderId}/refunds/${refundId}`, bo);

      for (const response of [ask, list, one]) {
        expect(response.statusCode).toBe(404);
        expect(response.json()).toMatchObject({ status: 404, detail: `order ${orderId} does not exist` });
      }
      expect(await rowCounts()).toEqual(before);
    });

    it('answers a shopper 403 on the admin refund routes, and an operator 403 on asking for one', async () => {
      const orderId = await completedOrder();
      const { refundId } = (
        await refund(orderId, { items: [{ productId: mug, quantity: 1 }], reason: 'chipped' })
      ).json();
      const before = await rowCounts();
      const operator = identity.as('ops', Role.Operator);

      const shopperAtAdmin = await refundRoutes('/admin', orderId, refundId, ada);
      const operatorAsks = await app.inject({
        method: 'POST',
        url: `/admin/orders/${orderId}/refunds`,
        headers: operator,
        payload: { reason: 'operators do not refund' },
      });

      expect(shopperAtAdmin.map((r) => r.statusCode)).toEqual([403, 403, 403]);
      expect(operatorAsks.statusCode).toBe(403);
      expect(operatorAsks.json()).toMatchObject({ roles: [Role.Admin] });
      expect(await rowCounts()).toEqual(before);
      expect((await get(`/admin/orders/${orderId}/refunds`, operator)).json().refunds).toEqual([
        expect.objectContaining({ refundId }),
      ]);
      expect((await get(`/admin/orders/${orderId}/refunds/${refundId}`, operator)).statusCode).toBe(200);
    });

    it("lets an admin refund any shopper's order, the refund at its /admin Location and in the shopper's view", async () => {
      const orderId = await completedOrder();

      const response = await app.inject({
        method: 'POST',
        url: `/admin/orders/${orderId}/refunds`,
        headers: identity.as('shop-admin', Role.Admin),
        payload: { reason: 'goodwill' },
      });

      expect(response.statusCode).toBe(202);
      const { refundId } = response.json();
      expect(response.headers.location).toBe(`/admin/orders/${orderId}/refunds/${refundId}`);
      expect((await get(`/me/orders/${orderId}/refunds/${refundId}`)).json()).toMatchObject({
        refundId,
        amount: 13_400,
        reason: 'goodwill',
      });
    });
  });
});
