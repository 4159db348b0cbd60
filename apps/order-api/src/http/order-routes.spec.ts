import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createLogger } from '@saga/observability';
import { OutboxMessage, TransactionalMessaging } from '@saga/outbox';
import { createHttpApp, openServiceDatabase, type HttpApp } from '@saga/runtime';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { defaultOrderApiSettings, orderApiService } from '../order-api-service';
import { expiredIdempotencyKeys } from '../domain/place-order';
import { registerOrderRoutes } from './order-routes';

describe('the order HTTP API', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let app: HttpApp;
  const logger = createLogger({ service: 'order-api-test', level: 'warn' });

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await openServiceDatabase(orderApiService(defaultOrderApiSettings), infra.databaseUrl);
    // No relay runs here: these tests look at the outbox rows themselves.
    const messaging = new TransactionalMessaging(dataSource, { wake: () => undefined });
    app = createHttpApp(logger);
    registerOrderRoutes(app, { dataSource, messaging, idempotencyKeyTtlMs: 60_000 });
  });

  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
    await infra?.teardown();
  });

  const order = (overrides: Record<string, unknown> = {}) => ({
    userId: 'ada',
    items: [{ productId: randomUUID(), quantity: 2 }],
    payment: { method: 'card', token: 'pm_card_visa' },
    ...overrides,
  });

  it('accepts an order with 202 and a Location, and writes the order.placed event with it', async () => {
    const response = await app.inject({ method: 'POST', url: '/orders', payload: order() });

    expect(response.statusCode).toBe(202);
    const { orderId, status } = response.json();
    expect(status).toBe('PENDING');
    expect(response.headers.location).toBe(`/orders/${orderId}`);
    const outbox = await dataSource.getRepository(OutboxMessage).find({ order: { id: 'ASC' } });
    const sent = outbox.filter((m) => m.envelope.correlationId === orderId);
    expect(sent.map((m) => m.routingKey)).toEqual(['order.placed', 'order.payment-method-provided']);
    // The saga learns that the order pays by card; only the payment worker gets the card's token.
    expect(sent[0].envelope.payload).toEqual({
      orderId,
      userId: 'ada',
      source: 'items',
      items: order().items.map(() => expect.anything()),
      paymentMethod: { method: 'card' },
    });
    expect(sent[1].envelope.payload).toEqual({
      orderId,
      userId: 'ada',
      paymentMethod: { method: 'card', token: 'pm_card_visa' },
    });
  });

  it('hands no payment method to the payment worker for a wallet order', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: order({ payment: { method: 'wallet' } }),
    });

    const { orderId } = response.json();
    const outbox = await dataSource.getRepository(OutboxMessage).find();
    expect(outbox.filter((m) => m.envelope.correlationId === orderId).map((m) => m.routingKey)).toEqual([
      'order.placed',
    ]);
  });

  it('shows a placed order as PENDING with its items and no prices yet', async () => {
    const body = order();
    const { orderId } = (await app.inject({ method: 'POST', url: '/orders', payload: body })).json();
    const response = await app.inject({ method: 'GET', url: `/orders/${orderId}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: orderId,
      status: 'PENDING',
      items: [{ productId: body.items[0].productId, quantity: 2, unitPrice: null }],
      failure: null,
      total: null,
    });
  });

  it.each([
    [{ items: [{ productId: randomUUID(), quantity: 0 }] }, 'items[0].quantity'],
    [{ items: [{ productId: 'nope', quantity: 1 }] }, 'items[0].productId'],
    [{ payment: { method: 'cash' } }, 'payment.method'],
    [{ userId: '' }, 'userId'],
    [{ items: undefined }, 'items'],
    [{ fromCart: true }, 'fromCart'],
  ])('refuses %j with 400 problem+json naming %s', async (overrides, field) => {
    const response = await app.inject({ method: 'POST', url: '/orders', payload: order(overrides) });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a body that is not JSON with 400 problem+json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json' },
      payload: '{"userId":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('replays the first answer for a retried Idempotency-Key and places one order', async () => {
    const key = randomUUID();
    const body = order({ userId: `idem-${key}` });
    const first = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: body,
      headers: { 'idempotency-key': key },
    });
    const again = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: body,
      headers: { 'idempotency-key': `"${key}"` },
    });

    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const list = await app.inject({ method: 'GET', url: `/orders?userId=idem-${key}` });
    expect(list.json().orders).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key with another body with 422', async () => {
    const key = randomUUID();
    await app.inject({ method: 'POST', url: '/orders', payload: order(), headers: { 'idempotency-key': key } });
    const other = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: order({ items: [{ productId: randomUUID(), quantity: 5 }] }),
      headers: { 'idempotency-key': key },
    });

    expect(other.statusCode).toBe(422);
    expect(other.json().detail).toMatch(/another request body/);
  });

  it("keeps one user's Idempotency-Key from answering or blocking another user's request", async () => {
    const key = 'same-key-for-two-users';
    const ada = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: order({ userId: 'ada-k' }),
      headers: { 'idempotency-key': key },
    });
    const bo = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: order({ userId: 'bo-k' }),
      headers: { 'idempotency-key': key },
    });

    expect([ada.statusCode, bo.statusCode]).toEqual([202, 202]);
    expect(bo.json().orderId).not.toBe(ada.json().orderId);
    expect(bo.headers['idempotent-replayed']).toBeUndefined();
  });

  it('places a new order for a key past its time, and its row goes with the retention pass', async () => {
    const key = randomUUID();
    const body = order({ userId: `late-${key}` });
    const first = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: body,
      headers: { 'idempotency-key': key },
    });
    await dataSource.query(
      `UPDATE orders.idempotency_keys SET created_at = now() - interval '2 minutes' WHERE key = $1`,
      [key],
    );

    const later = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: body,
      headers: { 'idempotency-key': key },
    });

    expect(later.statusCode).toBe(202);
    expect(later.json().orderId).not.toBe(first.json().orderId);
    const rule = expiredIdempotencyKeys(60_000);
    await dataSource.query(
      `UPDATE orders.idempotency_keys SET created_at = now() - interval '2 minutes' WHERE key = $1`,
      [key],
    );
    await dataSource.transaction((manager) => rule.deleteBatch(manager, new Date(Date.now() - rule.retentionMs), 100));
    expect(await dataSource.query(`SELECT 1 FROM orders.idempotency_keys WHERE key = $1`, [key])).toEqual([]);
  });

  it('places a retried request with the same key once even when both arrive together', async () => {
    const key = randomUUID();
    const body = order({ userId: `race-${key}` });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        app.inject({ method: 'POST', url: '/orders', payload: body, headers: { 'idempotency-key': key } }),
      ),
    );

    expect(new Set(responses.map((r) => r.json().orderId)).size).toBe(1);
    expect((await app.inject({ method: 'GET', url: `/orders?userId=race-${key}` })).json().orders).toHaveLength(1);
  });

  it('answers an unknown order with 404 problem+json', async () => {
    const response = await app.inject({ method: 'GET', url: `/orders/${randomUUID()}` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not found' });
  });

  it("lists a user's orders, newest first", async () => {
    const userId = `lister-${randomUUID()}`;
    const a = (await app.inject({ method: 'POST', url: '/orders', payload: order({ userId }) })).json().orderId;
    const b = (await app.inject({ method: 'POST', url: '/orders', payload: order({ userId }) })).json().orderId;

    const response = await app.inject({ method: 'GET', url: `/orders?userId=${userId}` });
    expect(response.json().orders.map((o: { id: string }) => o.id)).toEqual([b, a]);
  });
});
