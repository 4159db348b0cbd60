import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { Client } from 'pg';
import {
  brokerUserName,
  cartCheckout,
  deadLetterQueueName,
  Exchange,
  inventoryReserve,
  namespaced,
  newEnvelope,
  ownerOf,
  paymentAuthorize,
  Queues,
  sagaStalled,
  ServiceName,
  type QueueSpec,
} from '@saga/contracts';
import { publishRaw, readQueue, waitFor, type ReadMessage } from '@saga/testing';
import { Shop, user } from './harness/shop';
import { operator, SystemUnderTest } from './harness/system-under-test';

/** A message an attacker on the broker would send, and the queue it is meant for. */
interface Forgery {
  readonly name: string;
  readonly queue: QueueSpec;
  readonly exchange: Exchange;
  readonly type: string;
  readonly payload: () => unknown;
}

describe('least privilege on the broker and the database, with every app running as a process', () => {
  let sut: SystemUnderTest;
  let shop: Shop;
  let kettle: string;
  let shopper: string;
  let completedOrder: string;

  beforeAll(async () => {
    sut = await SystemUnderTest.start();
    shop = new Shop(sut);
    shopper = user('ida');
    kettle = (await shop.product('Kettle', 2_500, 10)).id;
    await shop.wallet(shopper, 10_000);
    await shop.addToCart(shopper, kettle, 1);
    completedOrder = await shop.order({
      userId: shopper,
      items: [{ productId: kettle, quantity: 1 }],
      payment: { method: 'wallet' },
    });
    expect((await sut.settledOrder(completedOrder)).status).toBe('COMPLETED');
    // The order's last event is the notification worker's to take; the specs count rows once it has.
    await sut.notified(completedOrder);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const forgeries: Forgery[] = [
    {
      name: 'inventory.reserve for an order that does not exist',
      queue: Queues.inventoryCommands,
      exchange: Exchange.Commands,
      type: inventoryReserve.type,
      payload: () => ({ orderId: randomUUID(), items: [{ productId: kettle, quantity: 5 }] }),
    },
    {
      name: 'payment.authorize of the shopper’s wallet for an order that does not exist',
      queue: Queues.paymentCommands,
      exchange: Exchange.Commands,
      type: paymentAuthorize.type,
      payload: () => ({
        orderId: randomUUID(),
        userId: shopper,
        amount: 5_000,
        currency: 'USD',
        paymentMethod: { method: 'wallet' },
      }),
    },
    {
      name: 'cart.checkout of the shopper’s cart for an order that does not exist',
      queue: Queues.cartCommands,
      exchange: Exchange.Commands,
      type: cartCheckout.type,
      payload: () => ({ orderId: randomUUID(), userId: shopper }),
    },
    {
      name: 'saga.stalled for a completed order',
      queue: Queues.orderApiEvents,
      exchange: Exchange.Events,
      type: sagaStalled.type,
      payload: () => ({
        sagaId: randomUUID(),
        definition: 'order',
        correlationId: completedOrder,
        stepId: 'capture-payment',
        phase: 'action',
        reason: 'forged',
      }),
    },
  ];

  async function deadLettersOf(queue: QueueSpec, count: number): Promise<ReadMessage[]> {
    const dlq = deadLetterQueueName(namespaced(sut.infra.namespace, queue.name));
    const taken: ReadMessage[] = [];
    return waitFor(
      async () => {
        taken.push(...(await readQueue(sut.infra.adminAmqpUrl, dlq)));
        return taken.length >= count ? taken : undefined;
      },
      { description: `${count} dead letters on ${dlq}` },
    );
  }

  function forged(forgery: Forgery) {
    const envelope = newEnvelope({
      type: forgery.type,
      payload: forgery.payload(),
      sagaId: randomUUID(),
      correlationId: completedOrder,
      causationId: null,
    });
    return { envelope, content: JSON.stringify(envelope), properties: { messageId: envelope.messageId } };
  }

  it.each(forgeries)(
    'dead-letters $name, from anyone on the broker and from another service, and changes nothing',
    async (forgery) => {
      const before = await sut.rowCounts();
      const stockBefore = await shop.stock(kettle);
      const walletBefore = await shop.walletOf(shopper);

      // An administrator's login, publishing through the exchange as the orchestrator would: no user id.
      const outsider = forged(forgery);
      await publishRaw(sut.infra.adminAmqpUrl, {
        exchange: namespaced(sut.infra.namespace, forgery.exchange),
        routingKey: forgery.type,
        content: outsider.content,
        properties: outsider.properties,
      });
      // Another worker's own login (a queue takes its owner's messages: its retries): it may not write to the
      // commands or events exchange, so it goes straight to the queue.
      const other =
        ownerOf(forgery.queue) === ServiceName.InventoryWorker ? ServiceName.CartWorker : ServiceName.InventoryWorker;
      const worker = forged(forgery);
      await publishRaw(sut.infra.services![other].amqpUrl, {
        queue: namespaced(sut.infra.namespace, forgery.queue.name),
        content: worker.content,
        properties: { ...worker.properties, userId: brokerUserName(sut.infra.namespace, other) },
      });

      const dead = await deadLettersOf(forgery.queue, 2);
      expect(dead.map((m) => [m.properties.messageId, m.headers['x-death-reason']])).toEqual([
        [outsider.envelope.messageId, 'unauthorized_sender'],
        [worker.envelope.messageId, 'unauthorized_sender'],
      ]);
      expect(await sut.rowCounts()).toEqual(before);
      expect(await shop.stock(kettle)).toEqual(stockBefore);
      expect(await shop.walletOf(shopper)).toEqual(walletBefore);
      expect((await shop.cart(shopper)).items).toEqual([{ productId: kettle, quantity: 1 }]);
      const order = await sut.http('order-api', 'GET', `/admin/orders/${completedOrder}`, { as: operator });
      expect(order.body).toMatchObject({ status: 'COMPLETED', attention: null });
    },
  );

  it('refuses a worker’s login what its service may not do on the broker', async () => {
    const connection = await amqplib.connect(sut.infra.services![ServiceName.InventoryWorker].amqpUrl);
    const refused = async (act: (channel: amqplib.ConfirmChannel) => Promise<unknown>) => {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      const closed = new Promise<string>((resolve) => channel.once('close', () => resolve('closed')));
      const error = await act(channel).then(
        () => undefined,
        (e: Error) => e.message,
      );
      return error ?? (await closed);
    };
    try {
      const paymentQueue = namespaced(sut.infra.namespace, Queues.paymentCommands.name);
      expect(await refused((channel) => channel.consume(paymentQueue, () => undefined))).toMatch(/ACCESS_REFUSED/);
      expect(await refused((channel) => channel.get(deadLetterQueueName(paymentQueue)))).toMatch(/ACCESS_REFUSED/);
      expect(await refused((channel) => channel.assertQueue(`${paymentQueue}.tap`))).toMatch(/ACCESS_REFUSED/);
      expect(
        await refused(async (channel) => {
          channel.publish(namespaced(sut.infra.namespace, Exchange.Commands), 'payment.capture', Buffer.from('{}'));
          await channel.waitForConfirms();
        }),
      ).toMatch(/ACCESS_REFUSED|closed/);
      expect(
        await refused(async (channel) => {
          channel.publish('', paymentQueue, Buffer.from('{}'), {
            userId: brokerUserName(sut.infra.namespace, ServiceName.OrderSaga),
          });
          await channel.waitForConfirms();
        }),
      ).toMatch(/PRECONDITION_FAILED|closed/);
    } finally {
      await connection.close();
    }
  });

  it('gives each service a database role that owns its schema and cannot touch another’s', async () => {
    const inventory = new Client({ connectionString: sut.infra.services![ServiceName.InventoryWorker].databaseUrl });
    await inventory.connect();
    try {
      const [{ role }] = (await inventory.query('SELECT current_user AS role')).rows;
      const owners = await sut.rows<{ owner: string }>(
        `SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'inventory'`,
      );
      expect(owners).toEqual([{ owner: role }]);
      await expect(inventory.query('SELECT * FROM payment.wallets')).rejects.toThrow(/permission denied/);
      await expect(inventory.query(`INSERT INTO orders.orders (id) VALUES ('${randomUUID()}')`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(inventory.query('CREATE SCHEMA stolen')).rejects.toThrow(/permission denied/);
      await expect(inventory.query('SELECT count(*) FROM inventory.products')).resolves.toBeDefined();
    } finally {
      await inventory.end();
    }
  });
});
