import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createLogger } from '@saga/observability';
import { OutboxMessage, TransactionalMessaging } from '@saga/outbox';
import { createHttpApp, openServiceDatabase, type HttpApp } from '@saga/runtime';
import { Role } from '@saga/identity';
import { provisionTestInfrastructure, testIdentity, type TestInfrastructure } from '@saga/testing';
import { defaultOrderApiSettings, orderApiService } from '../order-api-service';
import { Order } from '../domain/order.entity';
import { expiredIdempotencyKeys } from '../domain/place-order';
import { registerOrderRoutes } from './order-routes';

describe('the order HTTP API', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let app: HttpApp;
  const logger = createLogger({ service: 'order-api-test', level: 'warn' });
  const identity = testIdentity();
  // Far above what the tests place, so only the spec of the limit itself meets it.
  const rateLimits = { perUser: 1_000_000, perAddress: 1_000_000 };

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await openServiceDatabase(orderApiService(defaultOrderApiSettings), infra.databaseUrl);
    // No relay runs here: these tests look at the outbox rows themselves.
    const messaging = new TransactionalMessaging(dataSource, { wake: () => undefined });
    app = await createHttpApp(logger, identity.settings, { service: 'order-api' });
    registerOrderRoutes(app, { dataSource, messaging, idempotencyKeyTtlMs: 60_000, rateLimits });
  });

  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
    await infra?.teardown();
  });

  const order = (overrides: Record<string, unknown> = {}) => ({
    items: [{ productId: randomUUID(), quantity: 2 }],
    payment: { method: 'card', token: 'pm_card_visa' },
    ...overrides,
  });
  const place = (userId: string, body: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/me/orders', headers: { ...identity.as(userId), ...headers }, payload: body });
  const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });
  const ordersOf = async (userId: string) => (await get('/me/orders', identity.as(userId))).json().orders;

  it('accepts an order with 202 and a Location, and writes the order.placed event with it', async () => {
    const response = await place('ada', order());

    expect(response.statusCode).toBe(202);
    const { orderId, status } = response.json();
    expect(status).toBe('PENDING');
    expect(response.headers.location).toBe(`/me/orders/${orderId}`);
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
    const response = await place('ada', order({ payment: { method: 'wallet' } }));

    const { orderId } = response.json();
    const outbox = await dataSource.getRepository(OutboxMessage).find();
    expect(outbox.filter((m) => m.envelope.correlationId === orderId).map((m) => m.routingKey)).toEqual([
      'order.placed',
    ]);
  });

  it('shows a placed order as PENDING with its items and no prices yet', async () => {
    const body = order();
    const { orderId } = (await place('ada', body)).json();
    const response = await get(`/me/orders/${orderId}`, identity.as('ada'));

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
    [{ items: undefined }, 'items'],
    [{ fromCart: true }, 'fromCart'],
  ])('refuses %j with 400 problem+json naming %s', async (overrides, field) => {
    const response = await place('ada', order(overrides));

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses a body that is not JSON with 400 problem+json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/me/orders',
      headers: { 'content-type': 'application/json', ...identity.as('ada') },
      payload: '{"items":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('replays the first answer for a retried Idempotency-Key and places one order', async () => {
    const key = randomUUID();
    const userId = `idem-${key}`;
    const body = order();
    const first = await place(userId, body, { 'idempotency-key': key });
    const again = await place(userId, body, { 'idempotency-key': `"${key}"` });

    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await ordersOf(userId)).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key with another body with 422', async () => {
    const key = randomUUID();
    await place('ada', order(), { 'idempotency-key': key });
    const other = await place('ada', order({ items: [{ productId: randomUUID(), quantity: 5 }] }), {
      'idempotency-key': key,
    });

    expect(other.statusCode).toBe(422);
    expect(other.json().detail).toMatch(/another request body/);
  });

  it("keeps one user's Idempotency-Key from answering or blocking another user's request", async () => {
    const key = 'same-key-for-two-users';
    const ada = await place('ada-k', order(), { 'idempotency-key': key });
    const bo = await place('bo-k', order(), { 'idempotency-key': key });

    expect([ada.statusCode, bo.statusCode]).toEqual([202, 202]);
    expect(bo.json().orderId).not.toBe(ada.json().orderId);
    expect(bo.headers['idempotent-replayed']).toBeUndefined();
  });

  it('places a new order for a key past its time, and its row goes with the retention pass', async () => {
    const key = randomUUID();
    const userId = `late-${key}`;
    const body = order();
    const first = await place(userId, body, { 'idempotency-key': key });
    await dataSource.query(
      `UPDATE orders.idempotency_keys SET created_at = now() - interval '2 minutes' WHERE key = $1`,
      [key],
    );

    const later = await place(userId, body, { 'idempotency-key': key });

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
    const userId = `race-${key}`;
    const body = order();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => place(userId, body, { 'idempotency-key': key })),
    );

    expect(new Set(responses.map((r) => r.json().orderId)).size).toBe(1);
    expect(await ordersOf(userId)).toHaveLength(1);
  });

  it('answers an unknown order with 404 problem+json', async () => {
    const response = await get(`/me/orders/${randomUUID()}`, identity.as('ada'));
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not found' });
  });

  it("lists a user's orders, newest first", async () => {
    const userId = `lister-${randomUUID()}`;
    const a = (await place(userId, order())).json().orderId;
    const b = (await place(userId, order())).json().orderId;

    const response = await get('/me/orders', identity.as(userId));
    expect(response.json().orders.map((o: { id: string }) => o.id)).toEqual([b, a]);
  });

  describe('who may call them', () => {
    const rowCounts = async () => [
      await dataSource.getRepository(Order).count(),
      await dataSource.getRepository(OutboxMessage).count(),
    ];
    const ids = (orders: { id: string }[]) => orders.map((o) => o.id);

    it('answers every order route without a token 401 with a Bearer challenge, and places nothing', async () => {
      const { orderId } = (await place('ada', order())).json();
      const before = await rowCounts();

      const attempts = [
        await app.inject({ method: 'POST', url: '/me/orders', payload: order() }),
        await app.inject({ method: 'GET', url: '/me/orders' }),
        await app.inject({ method: 'GET', url: `/me/orders/${orderId}` }),
        await app.inject({ method: 'GET', url: `/admin/orders/${orderId}` }),
        await app.inject({ method: 'GET', url: '/admin/orders?userId=ada' }),
        // A token signed by another system's key is no better than none.
        await place('ada', order(), testIdentity().as('ada')),
      ];

      for (const response of attempts) {
        expect(response.statusCode).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="saga"/);
      }
      expect(await rowCounts()).toEqual(before);
    });

    it("places the order for the token's user, whatever userId the body names", async () => {
      const shopper = `shopper-${randomUUID()}`;
      const victim = `victim-${randomUUID()}`;

      const response = await place(shopper, order({ userId: victim }));

      expect(response.statusCode).toBe(202);
      const { orderId } = response.json();
      expect(await dataSource.getRepository(Order).findOneByOrFail({ id: orderId })).toMatchObject({ userId: shopper });
      expect(ids(await ordersOf(shopper))).toEqual([orderId]);
      expect(await ordersOf(victim)).toEqual([]);
    });

    it("answers a shopper asking for another shopper's order 404, as for an order that does not exist", async () => {
      const ada = `ada-${randomUUID()}`;
      const bo = `bo-${randomUUID()}`;
      const { orderId } = (await place(ada, order())).json();

      const response = await get(`/me/orders/${orderId}`, identity.as(bo));

      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ status: 404, detail: `order ${orderId} does not exist` });
      expect(await ordersOf(bo)).toEqual([]);
      expect((await get(`/me/orders/${orderId}`, identity.as(ada))).statusCode).toBe(200);
    });

    it('answers a shopper 403 on the admin routes, naming the roles that may call them', async () => {
      const { orderId } = (await place('ada', order())).json();

      const attempts = [
        await get(`/admin/orders/${orderId}`, identity.as('ada')),
        await get('/admin/orders?userId=ada', identity.as('ada')),
      ];

      for (const response of attempts) {
        expect(response.statusCode).toBe(403);
        expect(response.json()).toMatchObject({ status: 403, roles: [Role.Admin, Role.Operator] });
      }
    });

    it.each([Role.Admin, Role.Operator])(
      "lets %s read any shopper's order and list a shopper's orders",
      async (role) => {
        const userId = `shopper-${randomUUID()}`;
        const { orderId } = (await place(userId, order())).json();
        const staff = identity.as(`staff-${randomUUID()}`, role);

        const one = await get(`/admin/orders/${orderId}`, staff);
        const list = await get(`/admin/orders?userId=${userId}`, staff);

        expect(one.statusCode).toBe(200);
        expect(one.json()).toMatchObject({ id: orderId, userId, status: 'PENDING' });
        expect(ids(list.json().orders)).toEqual([orderId]);
        expect((await get(`/admin/orders/${randomUUID()}`, staff)).statusCode).toBe(404);
      },
    );

    /** An order API that takes `perUser` orders a minute from each user. */
    const appLimitedTo = async (perUser: number) => {
      const limited = await createHttpApp(logger, identity.settings, { service: 'order-api' });
      registerOrderRoutes(limited, {
        dataSource,
        messaging: new TransactionalMessaging(dataSource, { wake: () => undefined }),
        idempotencyKeyTtlMs: 60_000,
        rateLimits: { perUser, perAddress: 1_000_000 },
      });
      return limited;
    };

    it("refuses a user's orders past the limit per minute with 429 and Retry-After, and places none of them", async () => {
      const limited = await appLimitedTo(2);
      const ada = `ada-${randomUUID()}`;
      const placeAs = (userId: string) =>
        limited.inject({ method: 'POST', url: '/me/orders', headers: identity.as(userId), payload: order() });
      try {
        const answers = [await placeAs(ada), await placeAs(ada), await placeAs(ada)];
        const other = await placeAs(`bo-${randomUUID()}`);

        expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 429]);
        expect(Number(answers[2].headers['retry-after'])).toBeGreaterThan(0);
        expect(answers[2].json()).toMatchObject({ status: 429, retryAfterSeconds: expect.any(Number) });
        expect(await ordersOf(ada)).toHaveLength(2);
        expect(other.statusCode).toBe(202);
      } finally {
        await limited.close();
      }
    });

    it('does not count a retry with the same Idempotency-Key against the limit: it places nothing new', async () => {
      const limited = await appLimitedTo(2);
      const cy = `cy-${randomUUID()}`;
      const body = order();
      const placeAs = (key: string) =>
        limited.inject({
          method: 'POST',
          url: '/me/orders',
          headers: { ...identity.as(cy), 'idempotency-key': key },
          payload: body,
        });
      try {
        const answers = [await placeAs('k1'), await placeAs('k1'), await placeAs('k1'), await placeAs('k2')];
        const third = await placeAs('k3');

        expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 202, 202]);
        expect(third.statusCode).toBe(429);
        expect(await ordersOf(cy)).toHaveLength(2);
      } finally {
        await limited.close();
      }
    });
  });
});
