import { randomUUID } from 'node:crypto';
import {
  brokerUserName,
  deadLetterQueueName,
  maxAmount,
  namespaced,
  Queues,
  ServiceName,
  serviceSchemas,
} from '@saga/contracts';
import { publishRaw, queueDepth, readQueue, waitFor } from '@saga/testing';
import { Shop, user } from './harness/shop';
import { shopAdmin, SystemUnderTest } from './harness/system-under-test';

describe('the order saga, with every app running as a process on real Postgres and RabbitMQ', () => {
  let sut: SystemUnderTest;
  let shop: Shop;

  beforeAll(async () => {
    sut = await SystemUnderTest.start();
    shop = new Shop(sut);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('completes an order of explicit items paid from the wallet', async () => {
    const kettle = await shop.product('Kettle', 2500, 10);
    const ada = user('ada');
    await shop.wallet(ada, 10_000);

    const orderId = await shop.order({
      userId: ada,
      items: [{ productId: kettle.id, quantity: 2 }],
      payment: { method: 'wallet' },
    });
    const order = await sut.settledOrder(orderId);

    expect(order).toMatchObject({
      status: 'COMPLETED',
      total: 5000,
      failure: null,
      items: [{ productId: kettle.id, quantity: 2, name: 'Kettle', unitPrice: 2500 }],
    });
    expect(await shop.stock(kettle.id)).toEqual({ available: 8, reserved: 0, sold: 2 });
    expect(await shop.walletOf(ada)).toEqual({ balance: 5000, held: 0 });
    expect(await shop.paymentsOf(orderId)).toEqual([{ status: 'CAPTURED', amount: 5000, provider: 'wallet' }]);
    expect(await shop.reservationsOf(orderId)).toEqual([{ status: 'COMMITTED' }]);

    const saga = await sut.sagaOf(orderId);
    expect(saga.status).toBe('COMPLETED');
    expect(saga.events.map((e) => [e.type, e.stepId])).toEqual([
      ['saga-started', null],
      ['step-started', 'process-order'],
      ['step-succeeded', 'process-order'],
      ['step-skipped', 'checkout-cart'],
      ['step-started', 'reserve-stock'],
      ['step-succeeded', 'reserve-stock'],
      ['step-started', 'authorize-payment'],
      ['step-succeeded', 'authorize-payment'],
      ['step-started', 'capture-payment'],
      ['step-succeeded', 'capture-payment'],
      ['step-started', 'commit-stock'],
      ['step-succeeded', 'commit-stock'],
      ['step-skipped', 'clear-cart'],
      ['step-started', 'approve-order'],
      ['step-succeeded', 'approve-order'],
      ['saga-completed', null],
    ]);
  });

  it('completes an order from the cart paid by card, and only then empties the cart', async () => {
    const mug = await shop.product('Mug', 1200, 20);
    const grinder = await shop.product('Grinder', 8900, 5);
    const bo = user('bo');
    await shop.addToCart(bo, mug.id, 3);
    await shop.addToCart(bo, grinder.id, 1);

    const orderId = await shop.order({
      userId: bo,
      fromCart: true,
      payment: { method: 'card', token: 'pm_card_visa' },
    });
    const order = await sut.settledOrder(orderId);

    expect(order.status).toBe('COMPLETED');
    expect(order.total).toBe(3 * 1200 + 8900);
    expect(order.items).toHaveLength(2);
    expect(await shop.stock(mug.id)).toEqual({ available: 17, reserved: 0, sold: 3 });
    expect(await shop.stock(grinder.id)).toEqual({ available: 4, reserved: 0, sold: 1 });
    expect(await shop.paymentsOf(orderId)).toEqual([{ status: 'CAPTURED', amount: 12_500, provider: 'test-card' }]);
    expect(await shop.cart(bo)).toMatchObject({ status: 'OPEN', items: [] });

    const saga = await sut.sagaOf(orderId);
    expect(saga.status).toBe('COMPLETED');
    expect(saga.events.filter((e) => e.type === 'step-succeeded').map((e) => e.stepId)).toEqual([
      'process-order',
      'checkout-cart',
      'reserve-stock',
      'authorize-payment',
      'capture-payment',
      'commit-stock',
      'clear-cart',
      'approve-order',
    ]);
    // The card's token went to the payment worker alone: the saga, its log and its view never had it.
    expect(JSON.stringify(saga)).not.toContain('pm_card_visa');
    expect(saga.state).toMatchObject({ context: { paymentMethod: { method: 'card' } } });
  });

  it('fails an order for more than is in stock: nothing reserved, nothing charged, the cart intact', async () => {
    const lamp = await shop.product('Lamp', 15_000, 1);
    const cy = user('cy');
    await shop.wallet(cy, 100_000);
    await shop.addToCart(cy, lamp.id, 2);

    const orderId = await shop.order({ userId: cy, fromCart: true, payment: { method: 'wallet' } });
    const order = await sut.settledOrder(orderId);

    expect(order.status).toBe('FAILED');
    expect(order.failure?.code).toBe('out_of_stock');
    expect(order.failure?.reason).toMatch(/Lamp/);
    expect(await shop.stock(lamp.id)).toEqual({ available: 1, reserved: 0, sold: 0 });
    expect(await shop.reservationsOf(orderId)).toEqual([]);
    expect(await shop.paymentsOf(orderId)).toEqual([]);
    expect(await shop.walletOf(cy)).toEqual({ balance: 100_000, held: 0 });
    expect(await shop.cart(cy)).toMatchObject({ status: 'OPEN', items: [{ productId: lamp.id, quantity: 2 }] });
    expect((await sut.sagaOf(orderId)).status).toBe('FAILED');
  });

  it('releases the reservation when the card is declined, undoing the steps in reverse order', async () => {
    const beans = await shop.product('Beans', 3200, 10);
    const di = user('di');
    await shop.addToCart(di, beans.id, 4);

    const orderId = await shop.order({
      userId: di,
      fromCart: true,
      payment: { method: 'card', token: 'pm_card_chargeDeclined' },
    });
    const order = await sut.settledOrder(orderId);

    expect(order.status).toBe('FAILED');
    expect(order.failure).toEqual({ code: 'card_declined', reason: 'Your card was declined.' });
    expect(await shop.stock(beans.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await shop.reservationsOf(orderId)).toEqual([{ status: 'RELEASED' }]);
    expect((await shop.paymentsOf(orderId)).map((p) => p.status)).not.toContain('CAPTURED');
    expect(await shop.cart(di)).toMatchObject({ status: 'OPEN', items: [{ productId: beans.id, quantity: 4 }] });

    const saga = await sut.sagaOf(orderId);
    expect(saga.status).toBe('FAILED');
    expect(saga.events.filter((e) => e.type === 'compensation-succeeded').map((e) => e.stepId)).toEqual([
      'reserve-stock',
      'checkout-cart',
      'process-order',
    ]);
  });

  it('sells exactly the stock when 50 orders compete for 10 units', async () => {
    const gadget = await shop.product('Gadget', 1000, 10);
    const buyers = Array.from({ length: 50 }, (_, i) => user(`buyer${i}`));
    await Promise.all(buyers.map((b) => shop.wallet(b, 5000)));

    const orderIds = await Promise.all(
      buyers.map((b) =>
        shop.order({ userId: b, items: [{ productId: gadget.id, quantity: 1 }], payment: { method: 'wallet' } }),
      ),
    );
    const orders = await Promise.all(orderIds.map((id) => sut.settledOrder(id, 90_000)));

    const completed = orders.filter((o) => o.status === 'COMPLETED');
    expect(completed).toHaveLength(10);
    expect(orders.filter((o) => o.status === 'FAILED').every((o) => o.failure?.code === 'out_of_stock')).toBe(true);
    expect(await shop.stock(gadget.id)).toEqual({ available: 0, reserved: 0, sold: 10 });
    const [{ captured }] = await sut.rows<{ captured: string }>(
      `SELECT count(*) AS captured FROM payment.payments WHERE order_id = ANY($1) AND status = 'CAPTURED'`,
      [orderIds],
    );
    expect(Number(captured)).toBe(10);
  });

  it('answers a malformed order with 400 problem+json naming the field, and places nothing', async () => {
    const before = await sut.rows('SELECT id FROM orders.orders');
    const response = await sut.http<{ title: string; status: number; errors: { field: string }[] }>(
      'order-api',
      'POST',
      '/me/orders',
      { as: 'eve', body: { items: [{ productId: randomUUID(), quantity: 0 }], payment: { method: 'wallet' } } },
    );

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.errors.map((e) => e.field)).toEqual(['items[0].quantity']);
    expect(await sut.rows('SELECT id FROM orders.orders')).toHaveLength(before.length);
  });

  it('takes prices past 2^31 exactly, refuses a price past the limit with 400, and fails a too large order at once', async () => {
    const refused = await sut.http<{ errors: { field: string }[] }>('inventory-worker', 'POST', '/admin/products', {
      as: shopAdmin,
      body: { sku: `GOLD-${randomUUID().slice(0, 8)}`, name: 'Gold', price: maxAmount + 1, stock: 1 },
    });
    const bar = await shop.product('Gold Bar', 2 ** 31, 1_000);
    const ada = user('ada');
    await shop.wallet(ada, 3 * 2 ** 31);

    const small = await shop.order({
      userId: ada,
      items: [{ productId: bar.id, quantity: 3 }],
      payment: { method: 'wallet' },
    });
    const large = await shop.order({
      userId: ada,
      items: [{ productId: bar.id, quantity: 50 }],
      payment: { method: 'wallet' },
    });
    const [completed, failed] = [await sut.settledOrder(small), await sut.settledOrder(large)];

    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e) => e.field)).toEqual(['price']);
    expect(completed).toMatchObject({ status: 'COMPLETED', total: 3 * 2 ** 31 });
    expect(await shop.walletOf(ada)).toEqual({ balance: 0, held: 0 });
    expect(failed).toMatchObject({ status: 'FAILED', failure: { code: 'amount_too_large' } });
    // Refused by the reservation on its first attempt: no retries, no deadline.
    const saga = await sut.sagaOf(large);
    expect(saga.events.filter((e) => e.type === 'step-retried' || e.type === 'step-timed-out')).toEqual([]);
    expect(await shop.stock(bar.id)).toEqual({ available: 997, reserved: 0, sold: 3 });
  });

  it('dead-letters a malformed message with its reason while the worker keeps consuming', async () => {
    const queue = namespaced(sut.infra.namespace, Queues.inventoryCommands.name);
    const asOrchestrator = { userId: brokerUserName(sut.infra.namespace, ServiceName.OrderSaga) };
    await publishRaw(sut.infra.amqpUrl, { queue, content: 'this is not json', properties: asOrchestrator });
    await publishRaw(sut.infra.amqpUrl, {
      queue,
      properties: asOrchestrator,
      content: JSON.stringify({
        messageId: randomUUID(),
        type: 'inventory.reserve',
        schemaVersion: 1,
        sagaId: randomUUID(),
        correlationId: 'x',
        causationId: null,
        occurredAt: new Date().toISOString(),
        payload: { orderId: 'not-a-uuid', items: [] },
      }),
    });

    const dead = await waitFor(
      async () => {
        const depth = await queueDepth(sut.infra.amqpUrl, deadLetterQueueName(queue));
        return depth >= 2 ? readQueue(sut.infra.amqpUrl, deadLetterQueueName(queue)) : undefined;
      },
      { description: 'two dead letters on the inventory queue' },
    );
    expect(dead.map((m) => m.headers['x-death-reason'])).toEqual(['invalid_message', 'invalid_message']);
    expect(String(dead[0].headers['x-error-message'])).toMatch(/not JSON/);
    expect(String(dead[1].headers['x-error-message'])).toMatch(/orderId/);

    const fig = await shop.product('Fig Jam', 700, 3);
    const fay = user('fay');
    await shop.wallet(fay, 1000);
    const orderId = await shop.order({
      userId: fay,
      items: [{ productId: fig.id, quantity: 1 }],
      payment: { method: 'wallet' },
    });
    expect((await sut.settledOrder(orderId)).status).toBe('COMPLETED');
  });

  it('changes nothing when every message of a saga is delivered a second time', async () => {
    const tea = await shop.product('Tea', 900, 10);
    const gus = user('gus');
    await shop.wallet(gus, 5000);
    await shop.addToCart(gus, tea.id, 2);
    const orderId = await shop.order({ userId: gus, fromCart: true, payment: { method: 'wallet' } });
    expect((await sut.settledOrder(orderId)).status).toBe('COMPLETED');
    await shop.addToCart(gus, tea.id, 1);

    const before = await snapshot(orderId, tea.id, gus);
    const sent = await messagesOf(orderId);
    // Commands, replies and the order.placed event: every hop, to every worker and to the orchestrator.
    expect(new Set(sent.map((m) => m.exchange))).toEqual(new Set(['saga.events', 'saga.commands', 'saga.replies']));
    for (const message of sent) {
      await publishRaw(sut.infra.amqpUrl, {
        exchange: namespaced(sut.infra.namespace, message.exchange),
        routingKey: message.routing_key,
        content: JSON.stringify(message.envelope),
        properties: {
          messageId: message.envelope.messageId,
          type: message.envelope.type,
          persistent: true,
          userId: brokerUserName(sut.infra.namespace, message.sender),
        },
      });
    }
    await quiet();

    expect(await snapshot(orderId, tea.id, gus)).toEqual(before);
    const [{ duplicates }] = await sut.rows<{ duplicates: string }>(
      `SELECT count(*) AS duplicates FROM saga.inbox WHERE message_id = ANY($1)`,
      [sent.filter((m) => m.exchange !== 'saga.commands').map((m) => m.envelope.messageId)],
    );
    expect(Number(duplicates)).toBe(sent.filter((m) => m.exchange !== 'saga.commands').length);
  });

  async function messagesOf(orderId: string) {
    const rows = await Promise.all(
      Object.values(ServiceName).map(async (sender) =>
        (
          await sut.rows<{ exchange: string; routing_key: string; envelope: { messageId: string; type: string } }>(
            `SELECT exchange, routing_key, envelope FROM ${serviceSchemas[sender]}.outbox
              WHERE envelope->>'correlationId' = $1 ORDER BY id`,
            [orderId],
          )
        ).map((row) => ({ ...row, sender })),
      ),
    );
    return rows.flat().filter((m) => m.exchange !== 'saga.events' || m.routing_key === 'order.placed');
  }

  async function snapshot(orderId: string, productId: string, userId: string) {
    const saga = await sut.sagaOf(orderId);
    return {
      order: await sut.http('order-api', 'GET', `/me/orders/${orderId}`, { as: userId }).then((r) => r.body),
      stock: await shop.stock(productId),
      wallet: await shop.walletOf(userId),
      payments: await shop.paymentsOf(orderId),
      reservations: await shop.reservationsOf(orderId),
      cart: await shop.cart(userId),
      saga: { status: saga.status, events: saga.events.length },
      sagas: (await sut.rows('SELECT id FROM saga.saga_instances WHERE correlation_id = $1', [orderId])).length,
    };
  }

  /** Waits until no queue holds a message and no outbox row waits, twice in a row. */
  async function quiet(): Promise<void> {
    const queues = Object.values(Queues).map((q) => namespaced(sut.infra.namespace, q.name));
    let calm = 0;
    await waitFor(
      async () => {
        const depths = await Promise.all(queues.map((q) => queueDepth(sut.infra.amqpUrl, q)));
        const waiting = await sut.unpublishedMessages();
        calm = depths.every((d) => d === 0) && waiting === 0 ? calm + 1 : 0;
        return calm >= 3;
      },
      { timeoutMs: 20_000, intervalMs: 300, description: 'the system to go quiet' },
    );
  }
});
