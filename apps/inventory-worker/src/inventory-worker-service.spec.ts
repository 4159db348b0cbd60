import { randomUUID } from 'node:crypto';
import {
  deadLetterQueueName,
  inventoryCommit,
  inventoryReserve,
  lowStock,
  namespaced,
  Queues,
  ServiceName,
  brokerUserName,
} from '@saga/contracts';
import type { RunningService } from '@saga/runtime';
import { runService } from '@saga/runtime';
import {
  serviceConfigFor,
  CommandProbe,
  provisionTestInfrastructure,
  publishRaw,
  readQueue,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { Role } from '@saga/identity';
import { testLowStock } from './testing/inventory-database';
import { inventoryWorkerService } from './inventory-worker-service';

describe('inventory-worker service', () => {
  let infrastructure: TestInfrastructure;
  let service: RunningService;
  let probe: CommandProbe;
  let productId: string;

  const stockOf = async (id: string): Promise<unknown> => (await fetch(`${service.url}/products/${id}`)).json();

  beforeAll(async () => {
    infrastructure = await provisionTestInfrastructure({ system: true });
    service = await runService(
      inventoryWorkerService({ lowStock: testLowStock }),
      serviceConfigFor(infrastructure, ServiceName.InventoryWorker),
    );
    probe = await CommandProbe.open(infrastructure.amqpUrl, infrastructure.namespace);
    const created = await fetch(`${service.url}/admin/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...infrastructure.identity.as('shop-admin', Role.Admin) },
      body: JSON.stringify({ sku: 'GRINDER-3', name: 'Burr Grinder', price: 8900, stock: 10 }),
    });
    expect(created.status).toBe(201);
    productId = ((await created.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await probe?.close();
    await service?.stop();
    await infrastructure?.teardown();
  });

  it('answers inventory.reserve on the replies exchange, and a redelivered command only re-sends its reply', async () => {
    const orderId = randomUUID();
    const payload = { orderId, items: [{ productId, quantity: 2 }] };
    const command = await probe.send(inventoryReserve.type, payload);
    const commandId = command.messageId;

    const reply = await probe.replyTo(commandId);
    await probe.resend(command);
    await waitFor(async () => probe.repliesTo(commandId).length === 2, { description: 'the re-sent reply' });

    expect(reply).toEqual({
      commandId,
      commandType: 'inventory.reserve',
      outcome: 'success',
      result: {
        reservationId: expect.any(String),
        items: [{ productId, quantity: 2, name: 'Burr Grinder', unitPrice: 8900 }],
        total: 17800,
        currency: 'USD',
      },
    });
    expect(probe.repliesTo(commandId)[1]).toEqual(reply);
    expect(await stockOf(productId)).toMatchObject({ available: 8 });
  });

  it('dead-letters a malformed message with its reason and still answers the command behind it', async () => {
    const queue = namespaced(infrastructure.namespace, Queues.inventoryCommands.name);
    const orderId = randomUUID();
    const reserve = await probe.send(inventoryReserve.type, { orderId, items: [{ productId, quantity: 1 }] });
    await probe.replyTo(reserve.messageId);

    await publishRaw(infrastructure.amqpUrl, {
      queue,
      content: '{"not": "an envelope"',
      properties: { userId: brokerUserName(infrastructure.namespace, ServiceName.OrderSaga) },
    });
    const { messageId: commitId } = await probe.send(inventoryCommit.type, { orderId });

    expect(await probe.replyTo(commitId)).toMatchObject({ outcome: 'success', result: {} });
    const dead = await waitFor(
      async () => {
        const messages = await readQueue(infrastructure.amqpUrl, deadLetterQueueName(queue));
        return messages.length > 0 && messages;
      },
      { description: 'the malformed message in the dead-letter queue' },
    );
    expect(dead).toHaveLength(1);
    expect(dead[0].content.toString()).toBe('{"not": "an envelope"');
    expect(dead[0].headers).toMatchObject({
      'x-death-reason': 'invalid_message',
      'x-error-message': expect.stringMatching(/not JSON/),
    });
    expect(await stockOf(productId)).toMatchObject({ available: 7 });
  });

  it('publishes inventory.low-stock on the events exchange when a reservation takes a product below its threshold', async () => {
    const created = await fetch(`${service.url}/admin/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...infrastructure.identity.as('shop-admin', Role.Admin) },
      body: JSON.stringify({ sku: 'TEAPOT-1', name: 'Glass Teapot', price: 3900, stock: 3, lowStockThreshold: 3 }),
    });
    const teapot = ((await created.json()) as { id: string }).id;
    const command = await probe.send(inventoryReserve.type, {
      orderId: randomUUID(),
      items: [{ productId: teapot, quantity: 1 }],
    });
    await probe.replyTo(command.messageId);

    // The notification worker's queue is bound to the event; nothing consumes it in this spec.
    const queue = namespaced(infrastructure.namespace, Queues.notificationEvents.name);
    const events = await waitFor(
      async () => {
        const messages = await readQueue(infrastructure.amqpUrl, queue);
        return messages.length > 0 && messages;
      },
      { description: 'the low-stock event in the notification worker’s queue' },
    );
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].content.toString())).toMatchObject({
      type: lowStock.type,
      causationId: command.messageId,
      payload: { productId: teapot, name: 'Glass Teapot', available: 2, threshold: 3 },
    });
    expect(events[0].properties.userId).toBe(brokerUserName(infrastructure.namespace, ServiceName.InventoryWorker));
  });
});
