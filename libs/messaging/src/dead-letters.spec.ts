import {
  deadLetterQueueName,
  Exchange,
  InvalidMessageError,
  type MessageEnvelope,
  namespaced,
  Queues,
} from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { provisionTestInfrastructure, queueDepth, type TestInfrastructure, waitFor } from '@saga/testing';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Broker } from './broker';
import type { ReceivedMessage } from './message-delivery';

function cartClear(sagaId: string): MessageEnvelope {
  return {
    messageId: randomUUID(),
    type: 'cart.clear',
    schemaVersion: 1,
    sagaId,
    correlationId: `order-${randomUUID()}`,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload: { orderId: randomUUID(), userId: 'user-1' },
  };
}

describe('Broker dead letters', () => {
  let infra: TestInfrastructure;
  let broker: Broker;
  const refused = new Set<string>();
  const handled: ReceivedMessage[] = [];
  const sagaA = randomUUID();
  const sagaB = randomUUID();
  const sagaC = randomUUID();
  const sent: MessageEnvelope[] = [cartClear(sagaB), cartClear(sagaA), cartClear(sagaC), cartClear(sagaA)];
  const idsOf = (...envelopes: MessageEnvelope[]) => envelopes.map((e) => e.messageId);

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    broker = await Broker.connect({
      url: infra.amqpUrl,
      namespace: infra.namespace,
      logger: createLogger({ service: 'messaging-spec', format: 'json', destination: new PassThrough() }),
      connectionName: `messaging-dead-letter-spec-${infra.namespace}`,
      retry: { delaysMs: [100], jitter: 0 },
    });
    await broker.consume(Queues.cartCommands, async (message) => {
      if (refused.has(message.envelope.sagaId ?? '')) {
        throw new InvalidMessageError('cart is not known yet', message.envelope.type);
      }
      handled.push(message);
    });
    for (const saga of [sagaA, sagaB, sagaC]) refused.add(saga);
    for (const envelope of sent) {
      await broker.publish({
        exchange: Exchange.Commands,
        routingKey: 'cart.clear',
        envelope,
        headers: { 'x-saga-step': 'clear-cart' },
      });
    }
    const dlq = deadLetterQueueName(namespaced(infra.namespace, Queues.cartCommands.name));
    await waitFor(async () => (await queueDepth(infra.amqpUrl, dlq)) === sent.length, {
      description: 'four dead letters',
    });
  });

  afterAll(async () => {
    await broker?.close();
    await infra?.teardown();
  });

  it('lists the dead letters of a queue oldest first without removing them', async () => {
    const listed = await broker.deadLetters(Queues.cartCommands, { limit: 10 });

    expect(listed.map((d) => d.messageId)).toEqual(idsOf(...sent));
    expect(listed[1]).toEqual({
      messageId: sent[1].messageId,
      type: 'cart.clear',
      sagaId: sagaA,
      step: 'clear-cart',
      reason: 'invalid_message',
      error: 'cart is not known yet',
      attempts: 1,
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      originalRoutingKey: 'cart.clear',
      sender: new URL(infra.amqpUrl).username,
    });
    expect((await broker.deadLetters(Queues.cartCommands, { limit: 2 })).map((d) => d.messageId)).toEqual(
      idsOf(sent[0], sent[1]),
    );
    expect((await broker.deadLetters(Queues.cartCommands)).map((d) => d.messageId)).toEqual(idsOf(...sent));
  });

  it('replays only the dead letters the filter selects and leaves the others in order', async () => {
    expect(await broker.replayDeadLetters(Queues.cartCommands, { sagaId: sagaA, step: 'another-step' })).toBe(0);
    refused.delete(sagaA);

    const replayed = await broker.replayDeadLetters(Queues.cartCommands, { sagaId: sagaA });

    expect(replayed).toBe(2);
    await waitFor(async () => handled.length === 2, { description: 'the replayed messages handled' });
    // Handlers run concurrently (prefetch), so the order of handling is not the order of replay.
    expect(handled.map((m) => m.envelope.messageId).sort()).toEqual(idsOf(sent[1], sent[3]).sort());
    expect(handled[0].attempt).toBe(1);
    expect(handled[0].headers).toMatchObject({
      'x-saga-id': sagaA,
      'x-saga-step': 'clear-cart',
      'x-replayed-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    for (const header of ['x-death-reason', 'x-error-message', 'x-attempts', 'x-retry-attempt', 'x-death']) {
      expect(handled[0].headers[header]).toBeUndefined();
    }
    expect((await broker.deadLetters(Queues.cartCommands)).map((d) => d.messageId)).toEqual(idsOf(sent[0], sent[2]));
  });

  it('replays by message type, and every dead letter with an empty filter', async () => {
    refused.clear();
    expect(await broker.replayDeadLetters(Queues.cartCommands, { messageType: 'cart.checkout' })).toBe(0);
    expect(await broker.replayDeadLetters(Queues.cartCommands, {})).toBe(2);
    await waitFor(async () => handled.length === 4, { description: 'every dead letter handled' });
    expect(await broker.deadLetters(Queues.cartCommands)).toEqual([]);
  });
});
