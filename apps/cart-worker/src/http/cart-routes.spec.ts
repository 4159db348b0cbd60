import { randomUUID } from 'node:crypto';
import type { PendingMessage } from '@saga/outbox';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '@saga/runtime';
import { cartCommands, startCartTestDatabase, type CartTestDatabase } from '../testing/cart-test-database';
import { registerCartRoutes } from './cart-routes';

describe('cart routes', () => {
  let db: CartTestDatabase;
  let app: HttpApp;
  beforeAll(async () => {
    db = await startCartTestDatabase();
    app = createHttpApp(createLogger({ service: 'cart-worker-test', level: 'warn' }));
    registerCartRoutes(app, db);
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

  const kettle = randomUUID();
  const mug = randomUUID();
  const add = (userId: string, productId: string, quantity: number) =>
    app.inject({ method: 'POST', url: `/carts/${userId}/items`, payload: { productId, quantity } });

  it('shows an empty OPEN cart to a shopper who never added anything', async () => {
    const response = await app.inject({ method: 'GET', url: '/carts/nobody-yet' });
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
    expect((await app.inject({ method: 'GET', url: `/carts/${userId}` })).json()).toEqual(response.json());
  });

  it('sets the quantity of a product and removes a product', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 1);
    await add(userId, mug, 1);

    const set = await app.inject({ method: 'PUT', url: `/carts/${userId}/items/${kettle}`, payload: { quantity: 7 } });
    expect(set.statusCode).toBe(200);
    expect(set.json().items).toEqual([
      { productId: kettle, quantity: 7 },
      { productId: mug, quantity: 1 },
    ]);

    const removed = await app.inject({ method: 'DELETE', url: `/carts/${userId}/items/${mug}` });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().items).toEqual([{ productId: kettle, quantity: 7 }]);
  });

  it('treats removing a product that is not in the cart as done', async () => {
    const response = await app.inject({ method: 'DELETE', url: `/carts/shopper-${randomUUID()}/items/${mug}` });
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([]);
  });

  it('refuses every change to a locked cart with 409 naming the order, and keeps the cart as it was', async () => {
    const userId = `shopper-${randomUUID()}`;
    await add(userId, kettle, 1);
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);

    const attempts = [
      await add(userId, mug, 1),
      await app.inject({ method: 'PUT', url: `/carts/${userId}/items/${kettle}`, payload: { quantity: 5 } }),
      await app.inject({ method: 'DELETE', url: `/carts/${userId}/items/${kettle}` }),
    ];

    for (const response of attempts) {
      expect(response.statusCode).toBe(409);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({
        status: 409,
        detail: `cart is locked by order ${orderId} until it completes or fails`,
        lockedByOrder: orderId,
      });
    }
    expect((await app.inject({ method: 'GET', url: `/carts/${userId}` })).json()).toEqual({
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

  it('answers 400 problem+json naming the field of a malformed body', async () => {
    const response = await add(`shopper-${randomUUID()}`, kettle, 0);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'quantity' })]);

    const badProduct = await app.inject({
      method: 'POST',
      url: '/carts/x/items',
      payload: { productId: 'kettle', quantity: 1 },
    });
    expect(badProduct.statusCode).toBe(400);
    expect(badProduct.json().errors).toEqual([expect.objectContaining({ field: 'productId' })]);
  });

  it('answers 400 naming the parameter when the product id in the path is not a uuid', async () => {
    const response = await app.inject({ method: 'PUT', url: '/carts/x/items/kettle', payload: { quantity: 1 } });
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
      const additions = Array.from({ length: 10 }, () => randomUUID());

      const [outcome, ...responses] = await Promise.all([
        commands.checkout(orderId, userId),
        ...additions.map((productId) => add(userId, productId, 1)),
      ]);

      expect(outcome.outcome).toBe('success');
      const accepted = additions.filter((_, i) => responses[i].statusCode === 200);
      expect(responses.every((r) => r.statusCode === 200 || r.statusCode === 409)).toBe(true);
      const snapshot = outcome.outcome === 'success' ? outcome.result.items : [];
      const cart = (await app.inject({ method: 'GET', url: `/carts/${userId}` })).json();
      expect(cart.items).toEqual(snapshot);
      expect(snapshot.map((i) => i.productId).sort()).toEqual([kettle, ...accepted].sort());
    }
  });
});
