import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import {
  cartCheckout,
  cartRelease,
  deadLetterQueueName,
  Exchange,
  namespaced,
  Queues,
  SagaReply,
  type MessageEnvelope,
  newEnvelope,
} from '@saga/contracts';

import type { RunningService } from '@saga/runtime';
import { runService } from '@saga/runtime';
import { provisionTestInfrastructure, publishRaw, readQueue, waitFor, type TestInfrastructure } from '@saga/testing';
import { cartWorkerService } from './cart-worker-service';

describe('cart worker service', () => {
  let infrastructure: TestInfrastructure;
  let service: RunningService;
  let probeQueue: string;
  const replies: SagaReply[] = [];

  beforeAll(async () => {
    infrastructure = await provisionTestInfrastructure();
    service = await runService(cartWorkerService, {
      DATABASE_URL: infrastructure.databaseUrl,
      AMQP_URL: infrastructure.amqpUrl,
      NAMESPACE: infrastructure.namespace,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: 0,
    });
    probeQueue = namespaced(infrastructure.namespace, 'cart-worker-spec.replies');
    const connection = await amqplib.connect(infrastructure.amqpUrl);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(probeQueue, { durable: false });
      await channel.bindQueue(probeQueue, namespaced(infrastructure.namespace, Exchange.Replies), 'reply.#');
    } finally {
      await connection.close();
    }
  });

  afterAll(async () => {
    await service?.stop();
    if (probeQueue) {
      const connection = await amqplib.connect(infrastructure.amqpUrl);
      await (await connection.createChannel()).deleteQueue(probeQueue);
      await connection.close();
    }
    await infrastructure?.teardown();
  });

  const commandQueue = () => namespaced(infrastructure.namespace, Queues.cartCommands.name);

  function sendCommand(type: string, payload: unknown): Promise<MessageEnvelope> {
    const envelope = newEnvelope({
      type,
      payload,
      sagaId: randomUUID(),
      correlationId: randomUUID(),
      causationId: null,
    });
    return publishRaw(infrastructure.amqpUrl, {
      exchange: namespaced(infrastructure.namespace, Exchange.Commands),
      routingKey: type,
      content: JSON.stringify(envelope),
      properties: { messageId: envelope.messageId, type, contentType: 'application/json', persistent: true },
    }).then(() => envelope);
  }

  function replyTo(command: MessageEnvelope): Promise<SagaReply> {
    return waitFor(
      async () => {
        for (const message of await readQueue(infrastructure.amqpUrl, probeQueue)) {
          replies.push(SagaReply.parse(JSON.parse(message.content.toString()).payload));
        }
        return replies.find((reply) => reply.commandId === command.messageId);
      },
      { description: `the reply to ${command.type} ${command.messageId}` },
    );
  }

  async function getCart(userId: string): Promise<unknown> {
    return (await fetch(`${service.url}/carts/${userId}`)).json();
  }

  it('checks out a cart filled over HTTP and replies with its items on the replies exchange', async () => {
    const userId = `shopper-${randomUUID()}`;
    const item = { productId: randomUUID(), quantity: 2 };
    const added = await fetch(`${service.url}/carts/${userId}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(item),
    });
    expect(added.status).toBe(200);
    const orderId = randomUUID();

    const command = await sendCommand(cartCheckout.type, { orderId, userId });

    expect(await replyTo(command)).toEqual({
      commandId: command.messageId,
      commandType: cartCheckout.type,
      outcome: 'success',
      result: { cartId: expect.any(String), items: [item] },
    });
    expect(await getCart(userId)).toEqual({ userId, status: 'LOCKED', lockedByOrder: orderId, items: [item] });
  });

  it('dead-letters a malformed command with its reason and still answers the valid command behind it', async () => {
    await publishRaw(infrastructure.amqpUrl, { queue: commandQueue(), content: '{"not": "an envelope"' });
    const orderId = randomUUID();
    const userId = `shopper-${randomUUID()}`;

    const command = await sendCommand(cartRelease.type, { orderId, userId });

    expect(await replyTo(command)).toMatchObject({ commandId: command.messageId, outcome: 'success' });
    const [dead] = await waitFor(
      async () => {
        const messages = await readQueue(infrastructure.amqpUrl, deadLetterQueueName(commandQueue()));
        return messages.length > 0 && messages;
      },
      { description: 'the malformed command in the dead-letter queue' },
    );
    expect(dead.content.toString()).toBe('{"not": "an envelope"');
    expect(dead.headers['x-death-reason']).toBe('invalid_message');
    expect(String(dead.headers['x-error-message'])).toMatch(/not JSON/);
  });

  it('answers a redelivered command with its original reply instead of handling it again', async () => {
    const userId = `shopper-${randomUUID()}`;
    const item = { productId: randomUUID(), quantity: 1 };
    await fetch(`${service.url}/carts/${userId}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(item),
    });
    const orderId = randomUUID();
    const checkout = await sendCommand(cartCheckout.type, { orderId, userId });
    const original = await replyTo(checkout);
    await replyTo(await sendCommand(cartRelease.type, { orderId, userId }));

    // Handled afresh, the checkout would now be refused: the order's cart was released.
    await publishRaw(infrastructure.amqpUrl, {
      exchange: namespaced(infrastructure.namespace, Exchange.Commands),
      routingKey: checkout.type,
      content: JSON.stringify(checkout),
      properties: { messageId: checkout.messageId, type: checkout.type, contentType: 'application/json' },
    });

    const both = await waitFor(
      async () => {
        await replyTo(checkout);
        const answers = replies.filter((reply) => reply.commandId === checkout.messageId);
        return answers.length === 2 && answers;
      },
      { description: 'the re-sent reply to the redelivered checkout' },
    );
    expect(both).toEqual([original, original]);
    expect(original.outcome).toBe('success');
    expect(await getCart(userId)).toEqual({ userId, status: 'OPEN', lockedByOrder: null, items: [item] });
  });
});
