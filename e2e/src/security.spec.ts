import { randomUUID } from 'node:crypto';
import type { SystemApp } from '@saga/launcher';
import { Role, type Caller } from '@saga/identity';
import { Shop, user } from './harness/shop';
import { operator, shopAdmin, SystemUnderTest } from './harness/system-under-test';

/** One route, called the way its rightful caller would (`body`), and who that caller may be. */
interface Route {
  readonly app: SystemApp;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  /** 'signed-in': any token; otherwise the roles that may call it. */
  readonly access: 'signed-in' | readonly Role[];
}

describe('who may do what, against the system started as every app a process', () => {
  let sut: SystemUnderTest;
  let shop: Shop;
  let alice: string;
  let aliceOrder: string;
  let aliceSaga: string;
  let kettle: string;

  beforeAll(async () => {
    sut = await SystemUnderTest.start();
    shop = new Shop(sut);
    alice = user('alice');
    kettle = (await shop.product('Kettle', 2_500, 10)).id;
    await shop.wallet(alice, 10_000);
    await shop.addToCart(alice, kettle, 1);
    aliceOrder = await shop.order({
      userId: alice,
      items: [{ productId: kettle, quantity: 1 }],
      payment: { method: 'wallet' },
    });
    await sut.settledOrder(aliceOrder);
    // Counted rows must not move under the specs: the order's e-mail is recorded first.
    await sut.notified(aliceOrder);
    aliceSaga = (await sut.sagaOf(aliceOrder)).id;
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const routes = (): Route[] => [
    {
      app: 'order-api',
      method: 'POST',
      path: '/me/orders',
      body: { fromCart: true, payment: { method: 'wallet' } },
      access: 'signed-in',
    },
    { app: 'order-api', method: 'GET', path: '/me/orders', access: 'signed-in' },
    { app: 'order-api', method: 'GET', path: `/me/orders/${aliceOrder}`, access: 'signed-in' },
    {
      app: 'order-api',
      method: 'POST',
      path: `/me/orders/${aliceOrder}/refunds`,
      body: { reason: 'broken' },
      access: 'signed-in',
    },
    { app: 'order-api', method: 'GET', path: `/me/orders/${aliceOrder}/refunds`, access: 'signed-in' },
    { app: 'order-api', method: 'GET', path: `/admin/orders/${aliceOrder}`, access: [Role.Admin, Role.Operator] },
    { app: 'order-api', method: 'GET', path: `/admin/orders?userId=${alice}`, access: [Role.Admin, Role.Operator] },
    {
      app: 'order-api',
      method: 'POST',
      path: `/admin/orders/${aliceOrder}/refunds`,
      body: { reason: 'broken' },
      access: [Role.Admin],
    },
    {
      app: 'order-api',
      method: 'GET',
      path: `/admin/orders/${aliceOrder}/refunds`,
      access: [Role.Admin, Role.Operator],
    },
    { app: 'cart-worker', method: 'GET', path: '/me/cart', access: 'signed-in' },
    {
      app: 'cart-worker',
      method: 'POST',
      path: '/me/cart/items',
      body: { productId: kettle, quantity: 1 },
      access: 'signed-in',
    },
    { app: 'cart-worker', method: 'PUT', path: `/me/cart/items/${kettle}`, body: { quantity: 3 }, access: 'signed-in' },
    { app: 'cart-worker', method: 'DELETE', path: `/me/cart/items/${kettle}`, access: 'signed-in' },
    { app: 'payment-worker', method: 'GET', path: '/me/wallet', access: 'signed-in' },
    { app: 'payment-worker', method: 'GET', path: '/me/wallet/ledger', access: 'signed-in' },
    { app: 'payment-worker', method: 'GET', path: `/me/payments?orderId=${aliceOrder}`, access: 'signed-in' },
    { app: 'payment-worker', method: 'GET', path: `/admin/wallets/${alice}`, access: [Role.Admin] },
    { app: 'payment-worker', method: 'GET', path: `/admin/wallets/${alice}/ledger`, access: [Role.Admin] },
    {
      app: 'payment-worker',
      method: 'POST',
      path: `/admin/wallets/${alice}/credit`,
      body: { amount: 1_000_000 },
      access: [Role.Admin],
    },
    {
      app: 'payment-worker',
      method: 'GET',
      path: `/admin/payments?orderId=${aliceOrder}`,
      access: [Role.Admin, Role.Operator],
    },
    {
      app: 'inventory-worker',
      method: 'POST',
      path: '/admin/products',
      body: { sku: 'EVIL-1', name: 'Evil', price: 1, stock: 1 },
      access: [Role.Admin],
    },
    {
      app: 'inventory-worker',
      method: 'POST',
      path: `/admin/products/${kettle}/restock`,
      body: { quantity: 1000 },
      access: [Role.Admin],
    },
    { app: 'inventory-worker', method: 'GET', path: `/admin/products/${kettle}/ledger`, access: [Role.Admin] },
    { app: 'order-saga', method: 'GET', path: '/sagas', access: [Role.Operator] },
    { app: 'order-saga', method: 'GET', path: `/sagas?correlationId=${aliceOrder}`, access: [Role.Operator] },
    { app: 'order-saga', method: 'GET', path: '/admin/dead-letters', access: [Role.Operator] },
    {
      app: 'order-saga',
      method: 'POST',
      path: '/admin/dead-letters/replay',
      body: { queue: 'cart-worker.commands', reason: 'x', force: true },
      access: [Role.Operator],
    },
    ...['/sagas/stats', '/saga-log', '/saga-definitions', '/deadlines', `/admin/dead-letters/${randomUUID()}`].map(
      (path) => ({ app: 'order-saga' as const, method: 'GET', path, access: [Role.Operator] }),
    ),
    {
      app: 'order-saga',
      method: 'POST',
      path: '/admin/dead-letters/purge',
      body: { queue: 'cart-worker.commands', reason: 'x' },
      access: [Role.Operator],
    },
    ...[
      ['retry', {}],
      ['skip', { step: 'clear-cart' }],
      ['compensate', {}],
      ['cancel', {}],
      ['kill', {}],
      ['deadline/extend', { byMs: 60_000 }],
      ['deadline/fire', {}],
    ].map(([verb, body]) => ({
      app: 'order-saga' as const,
      method: 'POST',
      path: `/admin/sagas/${aliceSaga}/${String(verb)}`,
      body: { ...(body as object), reason: 'x' },
      access: [Role.Operator],
    })),
  ];

  /** A caller of the system holding none of the roles a route needs: a shopper, or staff of the other kind. */
  const wrongCallers = (roles: readonly Role[]): Caller[] =>
    [{ userId: user('mallory'), roles: [] }, shopAdmin, operator].filter(
      (c) => !c.roles.some((r) => roles.includes(r)),
    );

  it('answers every route but the catalogue 401 problem+json without a token, changing nothing', async () => {
    const before = await sut.rowCounts();
    for (const route of routes()) {
      const response = await sut.http<{ type: string; title: string }>(route.app, route.method, route.path, {
        body: route.body,
      });

      expect({ route: `${route.method} ${route.path}`, status: response.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="saga"/);
      expect(response.body).toMatchObject({ type: '/problems/401', title: 'Authentication required' });
    }
    expect(await sut.rowCounts()).toEqual(before);
  });

  it('answers a staff route 403 to a caller without its role, changing nothing', async () => {
    const before = await sut.rowCounts();
    for (const route of routes()) {
      if (route.access === 'signed-in') continue;
      for (const caller of wrongCallers(route.access)) {
        const response = await sut.http<{ roles: string[] }>(route.app, route.method, route.path, {
          body: route.body,
          as: caller,
        });

        expect({ route: `${route.method} ${route.path}`, as: caller.roles, status: response.status }).toEqual({
          route: `${route.method} ${route.path}`,
          as: caller.roles,
          status: 403,
        });
        expect(response.body.roles).toEqual(route.access);
      }
    }
    expect(await sut.rowCounts()).toEqual(before);
  });

  it("shows another shopper's order, its refunds and its payment to no one but its shopper", async () => {
    const mallory = user('mallory');
    const before = await sut.rowCounts();

    const reads = await Promise.all([
      sut.http('order-api', 'GET', `/me/orders/${aliceOrder}`, { as: mallory }),
      sut.http('order-api', 'GET', `/me/orders/${aliceOrder}/refunds`, { as: mallory }),
      sut.http('payment-worker', 'GET', `/me/payments?orderId=${aliceOrder}`, { as: mallory }),
      sut.http('order-api', 'POST', `/me/orders/${aliceOrder}/refunds`, { as: mallory, body: { reason: 'mine now' } }),
    ]);
    const listed = await sut.http<{ orders: unknown[] }>('order-api', 'GET', '/me/orders', { as: mallory });

    expect(reads.map((r) => r.status)).toEqual([404, 404, 404, 404]);
    expect(listed.body.orders).toEqual([]);
    expect(await sut.rowCounts()).toEqual(before);
    // Alice herself sees all of it.
    expect((await sut.http('order-api', 'GET', `/me/orders/${aliceOrder}`, { as: alice })).body).toMatchObject({
      userId: alice,
      status: 'COMPLETED',
    });
    expect((await sut.http('payment-worker', 'GET', `/me/payments?orderId=${aliceOrder}`, { as: alice })).status).toBe(
      200,
    );
  });

  it("gives each shopper their own cart and wallet: one can neither see nor spend another's", async () => {
    const mallory = user('mallory');

    const cart = await sut.http<{ userId: string; items: unknown[] }>('cart-worker', 'GET', '/me/cart', {
      as: mallory,
    });
    const wallet = await sut.http('payment-worker', 'GET', '/me/wallet', { as: mallory });
    const spend = await sut.http<{ orderId: string }>('order-api', 'POST', '/me/orders', {
      as: mallory,
      body: { items: [{ productId: kettle, quantity: 1 }], payment: { method: 'wallet' } },
    });

    expect(cart.body).toMatchObject({ userId: mallory, items: [] });
    expect(wallet.status).toBe(404);
    // Mallory's order is hers, paid from her (missing) wallet: it fails, and alice keeps her money.
    expect(await sut.settledOrder(spend.body.orderId)).toMatchObject({ userId: mallory, status: 'FAILED' });
    expect(await shop.walletOf(alice)).toEqual({ balance: 10_000 - 2_500, held: 0 });
    expect((await shop.cart(alice)).items).toEqual([{ productId: kettle, quantity: 1 }]);
  });

  it("scopes Idempotency-Key to the caller: another shopper's same key places an order of their own", async () => {
    const [ann, ben] = [user('ann'), user('ben')];
    const body = { items: [{ productId: kettle, quantity: 1 }], payment: { method: 'card', token: 'pm_card_visa' } };
    const headers = { 'idempotency-key': 'checkout-1' };

    const first = await sut.http<{ orderId: string }>('order-api', 'POST', '/me/orders', { as: ann, body, headers });
    const other = await sut.http<{ orderId: string }>('order-api', 'POST', '/me/orders', { as: ben, body, headers });
    const again = await sut.http<{ orderId: string }>('order-api', 'POST', '/me/orders', { as: ann, body, headers });

    expect([first.status, other.status, again.status]).toEqual([202, 202, 202]);
    expect(other.body.orderId).not.toBe(first.body.orderId);
    expect(again.body.orderId).toBe(first.body.orderId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await sut.settledOrder(other.body.orderId)).userId).toBe(ben);
  });

  it('refuses a forged or an unsigned token with 401, and the catalogue stays open to anyone', async () => {
    const forged = `${sut.authorization(alice).authorization.slice(0, -4)}AAAA`;

    const answers = await Promise.all([
      sut.http('order-api', 'GET', '/me/orders', { headers: { authorization: forged } }),
      sut.http('order-api', 'GET', '/me/orders', { headers: { authorization: 'Bearer e30.e30.' } }),
      sut.http('inventory-worker', 'GET', '/products'),
      sut.http('inventory-worker', 'GET', `/products/${kettle}`),
    ]);

    expect(answers.map((a) => a.status)).toEqual([401, 401, 200, 200]);
  });
});

describe('rate limits on placing orders, per user and per address', () => {
  let sut: SystemUnderTest;
  let productId: string;

  beforeAll(async () => {
    sut = await SystemUnderTest.start({
      appEnv: { 'order-api': { ORDERS_PER_MINUTE_PER_USER: '3', ORDERS_PER_MINUTE_PER_ADDRESS: '5' } },
    });
    productId = (await new Shop(sut).product('Mug', 1_000, 100)).id;
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const place = (userId: string) =>
    sut.http<{ retryAfterSeconds: number }>('order-api', 'POST', '/me/orders', {
      as: userId,
      body: { items: [{ productId, quantity: 1 }], payment: { method: 'card', token: 'pm_card_visa' } },
    });

  it('answers the fourth order of a user in a minute 429 with Retry-After and places nothing; the address limit then stops others', async () => {
    const hasty = user('hasty');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await place(hasty));
    const placed = await sut.rows('SELECT id FROM orders.orders WHERE user_id = $1', [hasty]);

    expect(statuses.map((s) => s.status)).toEqual([202, 202, 202, 429]);
    const refused = statuses[3];
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({ type: '/problems/429', title: 'Too many requests' });
    expect(placed).toHaveLength(3);

    // The refused order took nothing from the address: three placed, two more users may place one each.
    const others = [await place(user('calm')), await place(user('calm')), await place(user('calm'))];
    expect(others.map((s) => s.status)).toEqual([202, 202, 429]);
  });
});
