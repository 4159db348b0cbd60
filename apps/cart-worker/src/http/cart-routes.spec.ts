import { randomUUID } from 'node:crypto';
import type { PendingMessage } from '@saga/outbox';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '@saga/runtime';
import { testIdentity } from '@saga/testing';
import {
  cartCommands,
  cartOf,
  fillCart,
  startCartTestDatabase,
  type CartTestDatabase,
} from '../testing/cart-test-database';
import { TestCatalogue } from '../testing/test-catalogue';
import { Cart, CartItem } from '../domain';
import { registerCartRoutes } from './cart-routes';

describe('cart routes', () => {
  const identity = testIdentity();
  const catalogue = new TestCatalogue();
  let db: CartTestDatabase;
  let app: HttpApp;
  beforeAll(async () => {
    db = await startCartTestDatabase();
    app = await createHttpApp(createLogger({ service: 'cart-worker-test', level: 'warn' }), identity.settings, {
      service: 'cart-worker',
    });
    registerCartRoutes(app, { dataSource: db.dataSource, catalogue });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  // Handlers send nothing besides their reply, which the command processor sends.
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent).toEqual([]));
  const commands = cartCommands(() => db, sent);

  const kettle = catalogue.sell(randomUUID());
  const mug = catalogue.sell(randomUUID());
  const add = (userId: string, productId: string, quantity: number) =>
    app.inject({
      method: 'POST',
      url: '/me/cart/items',
      headers: identity.as(userId),
      payload: { productId, quantity },
    });
  const getCart = (userId: string) => app.inject({ method: 'GET', url: '/me/cart', headers: identity.as(userId) });
  const setQuantity = (userId: string, productId: string, quantity: number) =>
    app.inject({
      method: 'PUT',
      url: `/me/cart/items/${productId}`,
      headers: identity.as(userId),
      payload: { quantity },
    });
  const remove = (userId: string, productId: string) =>
    app.inject({ method: 'DELETE', url: `/me/cart/items/${productId}`, headers: identity.as(userId) });

  it('shows an empty OPEN cart to a shopper who never added anything', async () => {
    const response = await getCart('nobody-yet');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: 'nobody-yet', status: 'OPEN', lockedByOrder: null, items: [] });
  });

  it('adds items, adding to the quantity of a product already in the cart', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 1);
    await add(userId, mug, 2);
    const response = await add(userId, kettle, 2);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      userId,
      status: 'OPEN',
      lockedByOrder: null,
      items: [
        { productId: kettle, quantity: 3 },
        { productId: mug, quantity: 2 },
      ],
    });
    expect((await getCart(userId)).json()).toEqual(response.json());
  });

  it('sets the quantity of a product and removes a product', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 1);
    await add(userId, mug, 1);

    const set = await setQuantity(userId, kettle, 7);
    expect(set.statusCode).toBe(200);
    expect(set.json().items).toEqual([
      { productId: kettle, quantity: 7 },
      { productId: mug, quantity: 1 },
    ]);

    const removed = await remove(userId, mug);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().items).toEqual([{ productId: kettle, quantity: 7 }]);
  });

  it('treats removing a product that is not in the cart as done', async () => {
    const response = await remove(`shopper-${randomUUID()}`, mug);
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([]);
  });

  it('refuses every change to a locked cart with 409 naming the order, and keeps the cart as it was', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 1);
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);

    const attempts = [await add(userId, mug, 1), await setQuantity(userId, kettle, 5), await remove(userId, kettle)];

    for (const response of attempts) {
      expect(response.statusCode).toBe(409);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({
        status: 409,
        detail: `cart is locked by order ${orderId} until it completes or fails`,
        lockedByOrder: orderId,
      });
    }
    expect((await getCart(userId)).json()).toEqual({
      userId,
      status: 'LOCKED',
      lockedByOrder: orderId,
      items: [{ productId: kettle, quantity: 1 }],
    });
  });

  it('accepts changes again once the order completes and the cart is cleared', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 1);
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);
    await commands.clear(orderId, userId);

    const response = await add(userId, mug, 2);
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([{ productId: mug, quantity: 2 }]);
  });

  it('answers 422 when an addition would put more than 1000 of a product in the cart', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 999);
    const response = await add(userId, kettle, 2);
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ productId: kettle, limit: 1000 });
  });

  it('answers 422 naming the product when the catalogue does not sell it, by add or by set, and keeps the cart', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 1);
    const unknown = randomUUID();

    const attempts = [await add(userId, unknown, 1), await setQuantity(userId, unknown, 3)];

    for (const response of attempts) {
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ detail: `the catalogue has no product ${unknown}`, productId: unknown });
    }
    expect((await getCart(userId)).json().items).toEqual([{ productId: kettle, quantity: 1 }]);
  });

  it('answers 503 with Retry-After while the catalogue cannot be asked, and still reads and removes', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 1);
    await add(userId, mug, 1);
    catalogue.setUnavailable(true);
    try {
      const attempts = [await add(userId, kettle, 1), await setQuantity(userId, mug, 4)];
      for (const response of attempts) {
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('2');
        expect(response.json().detail).toMatch(/^the product catalogue cannot be asked right now/);
      }
      expect((await remove(userId, mug)).statusCode).toBe(200);
      expect((await getCart(userId)).json().items).toEqual([{ productId: kettle, quantity: 1 }]);
    } finally {
      catalogue.setUnavailable(false);
    }
  });

  it('answers 400 problem+json naming the field of a malformed body', async () => {
    const response = await add(`shopper-${randomUUID()}`, kettle, 0);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'quantity' })]);

    const badProduct = await app.inject({
      method: 'POST',
      url: '/me/cart/items',
      headers: identity.as('x'),
      payload: { productId: 'kettle', quantity: 1 },
    });
    expect(badProduct.statusCode).toBe(400);
    expect(badProduct.json().errors).toEqual([expect.objectContaining({ field: 'productId' })]);
  });

  it('answers 400 naming the parameter when the product id in the path is not a uuid', async () => {
    const response = await setQuantity('x', 'kettle', 1);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'params.productId' })]);
  });

  // Run many rounds: on code that read the lines in the statement that waited for the cart's lock,
  // the first round (a cold process) almost always passed and nearly every later round failed.
  it('never lets an addition slip into a cart after a racing checkout took its snapshot', async () => {
    for (let round = 0; round < 20; round++) {
      const userId = `shopper-${randomUUID()}`;
      await add(userId, kettle, 1);
      const orderId = randomUUID();
      const additions = Array.from({ length: 10 }, () => catalogue.sell(randomUUID()));

      const [outcome, ...responses] = await Promise.all([
        commands.checkout(orderId, userId),
        ...additions.map((productId) => add(userId, productId, 1)),
      ]);

      expect(outcome.outcome).toBe('success');
      const accepted = additions.filter((_, i) => responses[i].statusCode === 200);
      expect(responses.every((r) => r.statusCode === 200 || r.statusCode === 409)).toBe(true);
      const snapshot = outcome.outcome === 'success' ? outcome.result.items : [];
      const cart = (await getCart(userId)).json();
      expect(cart.items).toEqual(snapshot);
      expect(snapshot.map((i) => i.productId).sort()).toEqual([kettle, ...accepted].sort());
    }
  });

  describe('who may call them', () => {
    const rowCounts = async () => [
      await db.dataSource.getRepository(Cart).count(),
      await db.dataSource.getRepository(CartItem).count(),
    ];

    it('answers every cart route without a token 401 with a Bearer challenge, and changes no cart', async () => {
      const before = await rowCounts();
      const stranger = testIdentity().as('someone');

      const attempts = [
        await app.inject({ method: 'GET', url: '/me/cart' }),
        await app.inject({ method: 'POST', url: '/me/cart/items', payload: { productId: kettle, quantity: 1 } }),
        await app.inject({ method: 'PUT', url: `/me/cart/items/${kettle}`, payload: { quantity: 1 } }),
        await app.inject({ method: 'DELETE', url: `/me/cart/items/${kettle}` }),
        // A token signed by another system's key is no better than none.
        await app.inject({
          method: 'POST',
          url: '/me/cart/items',
          headers: stranger,
          payload: { productId: kettle, quantity: 1 },
        }),
      ];

      for (const response of attempts) {
        expect(response.statusCode).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="saga"/);
      }
      expect(await rowCounts()).toEqual(before);
    });

    it("shows a shopper their own cart, never another shopper's", async () => {
      const ada = `shopper-${randomUUID()}`;
      const bob = `shopper-${randomUUID()}`;
      await fillCart(db.dataSource, ada, [{ productId: kettle, quantity: 2 }]);

      const response = await getCart(bob);

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ userId: bob, status: 'OPEN', lockedByOrder: null, items: [] });
      expect((await getCart(ada)).json().items).toEqual([{ productId: kettle, quantity: 2 }]);
    });

    it("puts a shopper's changes in their own cart and leaves another shopper's as it was", async () => {
      const ada = `shopper-${randomUUID()}`;
      const bob = `shopper-${randomUUID()}`;
      await fillCart(db.dataSource, ada, [
        { productId: kettle, quantity: 1 },
        { productId: mug, quantity: 1 },
      ]);
      const adasCart = await cartOf(db.dataSource, ada);

      const removed = await remove(bob, kettle);
      const set = await setQuantity(bob, mug, 9);

      expect(removed.json()).toMatchObject({ userId: bob, items: [] });
      expect(set.json()).toMatchObject({ userId: bob, items: [{ productId: mug, quantity: 9 }] });
      expect(await cartOf(db.dataSource, ada)).toEqual(adasCart);
    });
  });
});
