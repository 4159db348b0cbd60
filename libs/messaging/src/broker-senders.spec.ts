import {
  acceptedSenders,
  brokerUserName,
  deadLetterQueueName,
  Exchange,
  type MessageEnvelope,
  namespaced,
  Queues,
  ServiceName,
} from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { publishRaw, readQueue, type TestInfrastructure, provisionTestInfrastructure, waitFor } from '@saga/testing';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Broker } from './broker';

function cartClear(): MessageEnvelope {
  return {
    messageId: randomUUID(),
    type: 'cart.clear',
    schemaVersion: 1,
    sagaId: randomUUID(),
    correlationId: `order-${randomUUID()}`,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload: { orderId: randomUUID(), userId: 'user-1' },
  };
}

const quietLogger = () => createLogger({ service: 'messaging-spec', format: 'json', destination: new PassThrough() });

describe('Broker senders', () => {
  let infra: TestInfrastructure;
  let broker: Broker;
  const handled: string[] = [];
  const failOnce = new Set<string>();
  const queue = () => namespaced(infra.namespace, Queues.cartCommands.name);
  const publish = (envelope: MessageEnvelope, userId?: string) =>
    publishRaw(infra.amqpUrl, {
      exchange: namespaced(infra.namespace, Exchange.Commands),
      routingKey: envelope.type,
      content: JSON.stringify(envelope),
      properties: { messageId: envelope.messageId, type: envelope.type, ...(userId ? { userId } : {}) },
    });

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    broker = await Broker.connect({
      url: infra.amqpUrl,
      namespace: infra.namespace,
      logger: quietLogger(),
      connectionName: `messaging-senders-spec-${infra.namespace}`,
      retry: { delaysMs: [50], jitter: 0 },
      // The cart queue's senders as a service has them; its retries come back as the test login.
      senders: (spec) => new Set([...acceptedSenders(infra.namespace, spec)!, new URL(infra.amqpUrl).username]),
    });
    await broker.consume(Queues.cartCommands, async ({ envelope }) => {
      if (failOnce.delete(envelope.messageId)) throw new Error('not yet');
      handled.push(envelope.messageId);
    });
  });

  afterAll(async () => {
    await broker?.close();
    await infra?.teardown();
  });

  it('dead-letters, unread, a message with no user id or with one the queue does not take', async () => {
    const anonymous = cartClear();
    const fromAWorker = cartClear();
    const fromTheOrchestrator = cartClear();
    await publish(anonymous);
    await publish(fromAWorker, brokerUserName(infra.namespace, ServiceName.InventoryWorker));
    await publish(fromTheOrchestrator, brokerUserName(infra.namespace, ServiceName.OrderSaga));

    await waitFor(async () => handled.includes(fromTheOrchestrator.messageId), {
      description: 'the orchestrator’s command handled',
    });
    const dead = await waitFor(
      async () => {
        const messages = await readQueue(infra.amqpUrl, deadLetterQueueName(queue()));
        return messages.length >= 2 && messages;
      },
      { description: 'two dead letters' },
    );
    expect(handled).not.toContain(anonymous.messageId);
    expect(handled).not.toContain(fromAWorker.messageId);
    expect(dead.map((m) => [m.properties.messageId, m.headers['x-death-reason'], m.headers['x-attempts']])).toEqual([
      [anonymous.messageId, 'unauthorized_sender', 0],
      [fromAWorker.messageId, 'unauthorized_sender', 0],
    ]);
    expect(dead[1].headers['x-original-user-id']).toBe(brokerUserName(infra.namespace, ServiceName.InventoryWorker));
    expect(String(dead[1].headers['x-error-message'])).toMatch(/inventory-worker.*not taken/);
  });

  it('takes back its own retries, which carry its own user id', async () => {
    const envelope = cartClear();
    failOnce.add(envelope.messageId);
    await publish(envelope, brokerUserName(infra.namespace, ServiceName.OrderSaga));
    await waitFor(async () => handled.includes(envelope.messageId), { description: 'the retried command handled' });
  });

  it('never replays a dead letter whose sender was refused, whatever the filter', async () => {
    const forged = cartClear();
    await publish(forged);
    await waitFor(async () => (await broker.deadLetters(Queues.cartCommands)).length === 1, {
      description: 'the forged command dead-lettered',
    });
    expect((await broker.replayDeadLetters(Queues.cartCommands)).replayed).toEqual([]);
    const [left] = await broker.deadLetters(Queues.cartCommands);
    expect(left).toMatchObject({ messageId: forged.messageId, reason: 'unauthorized_sender', sender: null });
    expect(handled).not.toContain(forged.messageId);
  });
});

describe('Broker with a provisioned topology', () => {
  it('declares nothing and fails its start naming what is missing', async () => {
    const infra = await provisionTestInfrastructure();
    try {
      await expect(
        Broker.connect({
          url: infra.amqpUrl,
          namespace: infra.namespace,
          logger: quietLogger(),
          connectionName: `messaging-provisioned-spec-${infra.namespace}`,
          topology: 'provisioned',
        }),
      ).rejects.toThrow(new RegExp(`no exchange ${infra.namespace}\\.saga\\.commands`));
    } finally {
      await infra.teardown();
    }
  });

  it('consumes a queue that setup declared, without the right to declare it', async () => {
    const infra = await provisionTestInfrastructure({ system: true });
    const broker = await Broker.connect({
      url: infra.services![ServiceName.CartWorker].amqpUrl,
      namespace: infra.namespace,
      logger: quietLogger(),
      connectionName: `messaging-provisioned-spec-${infra.namespace}`,
      topology: 'provisioned',
      retry: { delaysMs: [100, 200, 400], jitter: 0 },
    });
    try {
      const seen: string[] = [];
      await broker.consume(Queues.cartCommands, async ({ envelope }) => void seen.push(envelope.messageId));
      const envelope = cartClear();
      await publishRaw(infra.amqpUrl, {
        exchange: namespaced(infra.namespace, Exchange.Commands),
        routingKey: envelope.type,
        content: JSON.stringify(envelope),
      });
      await waitFor(async () => seen.includes(envelope.messageId), { description: 'the command consumed' });
      await expect(broker.consume(Queues.paymentCommands, async () => undefined)).rejects.toThrow(/ACCESS_REFUSED/);
    } finally {
      await broker.close();
      await infra.teardown();
    }
  });
});
