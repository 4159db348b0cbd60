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
      headers: expect.objectContaining({ 'x-saga-step': 'clear-cart', 'x-death-reason': 'invalid_message' }),
      body: sent[1],
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
    const bySaga = await broker.deadLetters(Queues.cartCommands, { filter: { sagaId: sagaA } });
    expect(bySaga.map((d) => d.messageId)).toEqual(idsOf(sent[1], sent[3]));
  });

  it('replays only the dead letters the filter selects and leaves the others in order', async () => {
    const none = await broker.replayDeadLetters(Queues.cartCommands, {
      filter: { sagaId: sagaA, step: 'another-step' },
    });
    expect(none).toEqual({ replayed: [], stale: [] });
    refused.delete(sagaA);

    const { replayed } = await broker.replayDeadLetters(Queues.cartCommands, { filter: { sagaId: sagaA } });

    expect(replayed.map((d) => d.messageId)).toEqual(idsOf(sent[1], sent[3]));
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

  it('leaves a dead letter its guard calls stale where it is, and replays what the guard admits', async () => {
    refused.clear();
    const byType = await broker.replayDeadLetters(Queues.cartCommands, { filter: { messageType: 'cart.checkout' } });
    expect(byType.replayed).toEqual([]);

    const report = await broker.replayDeadLetters(Queues.cartCommands, {
      guard: async (deadLetter) => (deadLetter.sagaId === sagaC ? 'its saga moved on' : true),
    });

    expect(report.replayed.map((d) => d.messageId)).toEqual(idsOf(sent[0]));
    expect(report.stale).toEqual([
      { deadLetter: expect.objectContaining({ sagaId: sagaC }), why: 'its saga moved on' },
    ]);
    await waitFor(async () => handled.length === 3, { description: 'the admitted dead letter handled' });
    expect((await broker.deadLetters(Queues.cartCommands)).map((d) => d.messageId)).toEqual(idsOf(sent[2]));
  });

  it('purges only the dead letters the filter selects', async () => {
    const other = await broker.purgeDeadLetters(Queues.cartCommands, { messageId: randomUUID() });
    expect(other).toEqual([]);

    const purged = await broker.purgeDeadLetters(Queues.cartCommands, { messageId: sent[2].messageId });

    expect(purged.map((d) => d.messageId)).toEqual(idsOf(sent[2]));
    expect(await broker.deadLetters(Queues.cartCommands)).toEqual([]);
    expect(handled).toHaveLength(3);
  });
});
