import { randomUUID } from 'node:crypto';
import {
  deadLetterQueueName,
  Exchange,
  inventoryCommit,
  inventoryReserve,
  namespaced,
  Queues,
  SagaReply,
  type MessageEnvelope,
  newEnvelope,
} from '@saga/contracts';

import type { RunningService } from '@saga/runtime';
import { runService } from '@saga/runtime';
import { provisionTestInfrastructure, publishRaw, readQueue, waitFor, type TestInfrastructure } from '@saga/testing';
import amqplib from 'amqplib';
import { inventoryWorkerService } from './inventory-worker-service';

/** A queue of our own bound to every reply of the namespace, collecting them as they come. */
async function openReplyProbe(amqpUrl: string, namespace: string) {
  const connection = await amqplib.connect(amqpUrl, { noDelay: true });
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, namespaced(namespace, Exchange.Replies), 'reply.#');
  const replies: SagaReply[] = [];
  await channel.consume(
    queue,
    (message) => {
      if (message) replies.push(SagaReply.parse((JSON.parse(message.content.toString()) as MessageEnvelope).payload));
    },
    { noAck: true },
  );
  return {
    replyTo: (commandId: string) =>
      waitFor(async () => replies.find((r) => r.commandId === commandId), { description: `the reply to ${commandId}` }),
    repliesTo: (commandId: string) => replies.filter((r) => r.commandId === commandId),
    close: () => connection.close(),
  };
}

describe('inventory-worker service', () => {
  let infrastructure: TestInfrastructure;
  let service: RunningService;
  let probe: Awaited<ReturnType<typeof openReplyProbe>>;
  let productId: string;

  const sendCommand = async (type: string, payload: unknown, messageId: string = randomUUID()) => {
    const envelope = newEnvelope({
      type,
      payload,
      sagaId: randomUUID(),
      correlationId: randomUUID(),
      causationId: null,
      messageId,
    });
    await publishRaw(infrastructure.amqpUrl, {
      exchange: namespaced(infrastructure.namespace, Exchange.Commands),
      routingKey: type,
      content: JSON.stringify(envelope),
      properties: { messageId, contentType: 'application/json', type, persistent: true },
    });
    return envelope.messageId;
  };
  const stockOf = async (id: string): Promise<unknown> => (await fetch(`${service.url}/products/${id}`)).json();

  beforeAll(async () => {
    infrastructure = await provisionTestInfrastructure();
    service = await runService(inventoryWorkerService, {
      DATABASE_URL: infrastructure.databaseUrl,
      AMQP_URL: infrastructure.amqpUrl,
      NAMESPACE: infrastructure.namespace,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: 0,
    });
    probe = await openReplyProbe(infrastructure.amqpUrl, infrastructure.namespace);
    const created = await fetch(`${service.url}/admin/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
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
    const commandId = await sendCommand(inventoryReserve.type, payload);

    const reply = await probe.replyTo(commandId);
    await sendCommand(inventoryReserve.type, payload, commandId);
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
    await probe.replyTo(await sendCommand(inventoryReserve.type, { orderId, items: [{ productId, quantity: 1 }] }));

    await publishRaw(infrastructure.amqpUrl, { queue, content: '{"not": "an envelope"' });
    const commitId = await sendCommand(inventoryCommit.type, { orderId });

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
});
