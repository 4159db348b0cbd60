import { randomUUID } from 'node:crypto';
import { cartCheckout, deadLetterQueueName, namespaced, Queues } from '@saga/contracts';
import type { SystemApp } from '@saga/launcher';
import { publishRaw, queueDepth, readQueue, waitFor } from '@saga/testing';
import { Shop } from './harness/shop';
import { serviceSchemas, SystemUnderTest } from './harness/system-under-test';

const nul = 'ada\u0000';
const loneSurrogate = 'ada\ud83c';

/** Every row of every service's tables, counted: what a refused request must leave as it was. */
async function rowCounts(sut: SystemUnderTest): Promise<Record<string, number>> {
  const tables = await sut.rows<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'`,
    [[...serviceSchemas]],
  );
  const counts: Record<string, number> = {};
  for (const { schema, name } of tables) {
    const [{ n }] = await sut.rows<{ n: number }>(`SELECT count(*) AS n FROM "${schema}"."${name}"`);
    counts[`${schema}.${name}`] = n;
  }
  return counts;
}

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

  const order = (userId: string, token = 'pm_card_visa') => ({
    userId,
    items: [{ productId, quantity: 1 }],
    payment: { method: 'card', token },
  });

  type Case = [string, SystemApp, string, string, unknown, string];
  const cases: Case[] = [
    ['a NUL byte in an order’s userId', 'order-api', 'POST', '/orders', order(nul), 'userId'],
    ['a lone surrogate in an order’s userId', 'order-api', 'POST', '/orders', order(loneSurrogate), 'userId'],
    ['a NUL byte in a card token', 'order-api', 'POST', '/orders', order('ada', 'pm_card_visa\u0000'), 'payment.token'],
    [
      'a NUL byte in the userId of a list',
      'order-api',
      'GET',
      `/orders?userId=${encodeURIComponent(nul)}`,
      undefined,
      'querystring.userId',
    ],
    [
      'a NUL byte in a cart’s path',
      'cart-worker',
      'GET',
      `/carts/${encodeURIComponent(nul)}`,
      undefined,
      'params.userId',
    ],
    [
      'a lone surrogate in a cart’s path',
      'cart-worker',
      'POST',
      `/carts/${encodeURIComponent('ada')}%ED%A0%BC/items`,
      { productId: randomUUID(), quantity: 1 },
      'path',
    ],
    [
      'a NUL byte in a wallet’s path',
      'payment-worker',
      'GET',
      `/wallets/${encodeURIComponent(nul)}`,
      undefined,
      'params.userId',
    ],
    [
      'a NUL byte in a product’s name',
      'inventory-worker',
      'POST',
      '/admin/products',
      { sku: 'NUL-1', name: 'Ket\u0000tle', price: 1, stock: 1 },
      'name',
    ],
    [
      'a bell in a product’s sku',
      'inventory-worker',
      'POST',
      '/admin/products',
      { sku: 'BEL\u0007', name: 'Bell', price: 1, stock: 1 },
      'sku',
    ],
    [
      'a NUL byte in a saga search',
      'order-saga',
      'GET',
      `/sagas?correlationId=${encodeURIComponent(nul)}`,
      undefined,
      'querystring.correlationId',
    ],
  ];

  it.each(cases)(
    'refuses %s with 400 problem+json naming the field, changing nothing',
    async (...[, app, method, path, body, field]: Case) => {
      const before = await rowCounts(sut);

      const response = await sut.http<{ errors?: { field: string }[] }>(app, method, path, { body });

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.errors?.map((e) => e.field)).toContain(field);
      expect(await rowCounts(sut)).toEqual(before);
    },
  );

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
