import { randomUUID } from 'node:crypto';
import { cartCheckout, deadLetterQueueName, namespaced, Queues, brokerUserName, ServiceName } from '@saga/contracts';
import type { SystemApp } from '@saga/launcher';
import { publishRaw, queueDepth, readQueue, waitFor } from '@saga/testing';
import { Shop } from './harness/shop';
import { operator, shopAdmin, SystemUnderTest, type CallAs } from './harness/system-under-test';

const nul = 'ada\u0000';
const loneSurrogate = 'ada\ud83c';

describe('hostile input, against the system started as every app a process', () => {
  let sut: SystemUnderTest;
  let shop: Shop;
  let productId: string;

  beforeAll(async () => {
    sut = await SystemUnderTest.start();
    shop = new Shop(sut);
    productId = (await shop.product('Kettle', 2_500, 10)).id;
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const order = (token: string) => ({ items: [{ productId, quantity: 1 }], payment: { method: 'card', token } });

  /** What the case sends, and as whom. */
  interface Sent {
    readonly body?: unknown;
    readonly as: CallAs;
  }
  type Case = [string, SystemApp, string, string, Sent, string];
  const cases: Case[] = [
    [
      'a NUL byte in a card token',
      'order-api',
      'POST',
      '/me/orders',
      { body: order('pm_card_visa\u0000'), as: 'ada' },
      'payment.token',
    ],
    [
      'a NUL byte in the userId of an order search',
      'order-api',
      'GET',
      `/admin/orders?userId=${encodeURIComponent(nul)}`,
      { as: operator },
      'querystring.userId',
    ],
    [
      'a NUL byte in a refund’s reason',
      'order-api',
      'POST',
      `/me/orders/${randomUUID()}/refunds`,
      { body: { reason: 'bro\u0000ken' }, as: 'ada' },
      'reason',
    ],
    [
      'a lone surrogate in a cart item’s path',
      'cart-worker',
      'PUT',
      `/me/cart/items/${encodeURIComponent('ada')}%ED%A0%BC`,
      { body: { quantity: 1 }, as: 'ada' },
      'path',
    ],
    [
      'a NUL byte in a wallet’s path',
      'payment-worker',
      'GET',
      `/admin/wallets/${encodeURIComponent(nul)}`,
      { as: shopAdmin },
      'params.userId',
    ],
    [
      'a lone surrogate in a product’s name',
      'inventory-worker',
      'POST',
      '/admin/products',
      { body: { sku: 'SUR-1', name: `Ket${loneSurrogate}tle`, price: 1, stock: 1 }, as: shopAdmin },
      'name',
    ],
    [
      'a NUL byte in a product’s name',
      'inventory-worker',
      'POST',
      '/admin/products',
      { body: { sku: 'NUL-1', name: 'Ket\u0000tle', price: 1, stock: 1 }, as: shopAdmin },
      'name',
    ],
    [
      'a bell in a product’s sku',
      'inventory-worker',
      'POST',
      '/admin/products',
      { body: { sku: 'BEL\u0007', name: 'Bell', price: 1, stock: 1 }, as: shopAdmin },
      'sku',
    ],
    [
      'a NUL byte in a saga search',
      'order-saga',
      'GET',
      `/sagas?correlationId=${encodeURIComponent(nul)}`,
      { as: operator },
      'querystring.correlationId[0]',
    ],
  ];

  it.each(cases)(
    'refuses %s with 400 problem+json naming the field, changing nothing',
    async (...[, app, method, path, sent, field]: Case) => {
      const before = await sut.rowCounts();

      const response = await sut.http<{ errors?: { field: string }[] }>(app, method, path, sent);

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.errors?.map((e) => e.field)).toContain(field);
      expect(await sut.rowCounts()).toEqual(before);
    },
  );

  it('puts only products the catalogue sells in a cart: 422 naming an unknown one, changing nothing', async () => {
    const unknown = randomUUID();
    await shop.addToCart('cy', productId, 1);
    const before = await sut.rowCounts();

    const added = await sut.http('cart-worker', 'POST', '/me/cart/items', {
      body: { productId: unknown, quantity: 1 },
      as: 'cy',
    });
    const set = await sut.http('cart-worker', 'PUT', `/me/cart/items/${unknown}`, { body: { quantity: 2 }, as: 'cy' });

    for (const response of [added, set]) {
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ productId: unknown });
    }
    expect(await sut.rowCounts()).toEqual(before);
    expect((await shop.cart('cy')).items).toEqual([{ productId, quantity: 1 }]);

    const created = await shop.product('Grinder', 8_900, 3);
    await shop.addToCart('cy', created.id, 1);
    expect((await shop.cart('cy')).items).toContainEqual({ productId: created.id, quantity: 1 });
  });

  it('answers 503 with Retry-After while the inventory worker is down, and takes the item once it is back', async () => {
    const fresh = (await shop.product('Scale', 3_100, 5)).id;
    const inventory = sut.system.apps['inventory-worker'];
    await inventory.stop();
    try {
      const refused = await sut.http('cart-worker', 'POST', '/me/cart/items', {
        body: { productId: fresh, quantity: 1 },
        as: 'di',
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect((await shop.cart('di')).items).toEqual([]);
    } finally {
      await inventory.start();
    }
    await shop.addToCart('di', fresh, 1);
    expect((await shop.cart('di')).items).toEqual([{ productId: fresh, quantity: 1 }]);
  });

  it('dead-letters at once a command whose userId is not text, and the worker keeps consuming', async () => {
    const queue = namespaced(sut.infra.namespace, Queues.cartCommands.name);
    await publishRaw(sut.infra.amqpUrl, {
      queue,
      content: JSON.stringify({
        messageId: randomUUID(),
        type: cartCheckout.type,
        schemaVersion: 1,
        sagaId: randomUUID(),
        correlationId: randomUUID(),
        causationId: null,
        occurredAt: new Date().toISOString(),
        payload: { orderId: randomUUID(), userId: nul },
      }),
      properties: { userId: brokerUserName(sut.infra.namespace, ServiceName.OrderSaga) },
    });

    const [dead] = await waitFor(
      async () =>
        (await queueDepth(sut.infra.amqpUrl, deadLetterQueueName(queue))) >= 1
          ? readQueue(sut.infra.amqpUrl, deadLetterQueueName(queue))
          : undefined,
      { description: 'the command on the cart queue’s dead letters' },
    );
    expect(dead.headers).toMatchObject({ 'x-death-reason': 'invalid_message', 'x-attempts': 0 });
    expect(String(dead.headers['x-error-message'])).toMatch(/userId/);

    await shop.addToCart('bo', productId, 1);
    expect((await shop.cart('bo')).items).toEqual([{ productId, quantity: 1 }]);
  });
});
