import {
  deadLetterQueueName,
  Exchange,
  type MessageEnvelope,
  namespaced,
  Queues,
  type QueueSpec,
  retryQueueName,
} from '@saga/contracts';
import { captureLogs } from '@saga/observability/testing';
import { provisionTestInfrastructure, queueDepth, readQueue, type TestInfrastructure, waitFor } from '@saga/testing';
import { randomUUID } from 'node:crypto';
import { Broker } from './broker';

const delaysMs = [200, 400];

function orderProcess(): MessageEnvelope {
  return {
    messageId: randomUUID(),
    type: 'order.process',
    schemaVersion: 1,
    sagaId: randomUUID(),
    correlationId: `order-${randomUUID()}`,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload: { orderId: randomUUID() },
  };
}

describe('Broker retries', () => {
  let infra: TestInfrastructure;
  let broker: Broker;
  const log = captureLogs('messaging-spec');
  const queueOf = (spec: QueueSpec) => namespaced(infra.namespace, spec.name);

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    broker = await Broker.connect({
      url: infra.amqpUrl,
      namespace: infra.namespace,
      logger: log.logger,
      connectionName: `messaging-retry-spec-${infra.namespace}`,
      retry: { delaysMs, jitter: 0.2 },
    });
  });

  afterAll(async () => {
    await broker?.close();
    await infra?.teardown();
  });

  it('retries a failing handler after each configured delay until it succeeds, and acks the message', async () => {
    const runs: { at: number; attempt: number; headers: Record<string, unknown> }[] = [];
    await broker.consume(Queues.orderApiCommands, async ({ attempt, headers }) => {
      runs.push({ at: Date.now(), attempt, headers });
      if (runs.length < 3) throw new Error(`flaky dependency, run ${runs.length}`);
    });
    const command = orderProcess();

    await broker.publish({ exchange: Exchange.Commands, routingKey: 'order.process', envelope: command });

    await waitFor(async () => runs.length >= 3, { description: 'the third run' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(delaysMs[0]);
    expect(runs[2].at - runs[1].at).toBeGreaterThanOrEqual(delaysMs[1]);
    expect(runs[0].headers['x-retry-attempt']).toBeUndefined();
    expect(runs[1].headers).toMatchObject({ 'x-retry-attempt': 1, 'x-last-error': 'flaky dependency, run 1' });
    expect(runs[2].headers).toMatchObject({ 'x-retry-attempt': 2, 'x-last-error': 'flaky dependency, run 2' });
    const queue = queueOf(Queues.orderApiCommands);
    expect(await queueDepth(infra.amqpUrl, queue)).toBe(0);
    expect(await queueDepth(infra.amqpUrl, deadLetterQueueName(queue))).toBe(0);
    for (const attempt of [1, 2]) expect(await queueDepth(infra.amqpUrl, retryQueueName(queue, attempt))).toBe(0);
    const retries = log.lines.filter((line) => line.message === 'message handler failed; retrying after a delay');
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({
      level: 'warn',
      attempt: 1,
      delayMs: expect.any(Number),
      messageId: command.messageId,
      sagaId: command.sagaId,
      correlationId: command.correlationId,
    });
    expect(retries[1].delayMs).toBeGreaterThanOrEqual(delaysMs[1]);
    expect(retries[1].delayMs).toBeLessThanOrEqual(delaysMs[1] * 1.2);
  });

  it('dead-letters a poison message after its last retry with why and how it failed, while the queue flows', async () => {
    const poison = { ...orderProcess(), type: 'cart.clear', payload: { orderId: randomUUID(), userId: 'user-1' } };
    const poisonRuns: number[] = [];
    const handled: string[] = [];
    await broker.consume(Queues.cartCommands, async ({ envelope, attempt }) => {
      if (envelope.messageId === poison.messageId) {
        poisonRuns.push(attempt);
        throw new Error('the cart database is on fire');
      }
      handled.push(envelope.messageId);
    });
    const healthy = { ...poison, messageId: randomUUID(), sagaId: randomUUID() };

    await broker.publish({
      exchange: Exchange.Commands,
      routingKey: 'cart.clear',
      envelope: poison,
      headers: { 'x-saga-step': 'clear-cart' },
    });
    await broker.publish({ exchange: Exchange.Commands, routingKey: 'cart.clear', envelope: healthy });

    await waitFor(async () => handled.includes(healthy.messageId), { description: 'the message after the poison' });
    expect(poisonRuns.length).toBeLessThan(1 + delaysMs.length);
    const queue = queueOf(Queues.cartCommands);
    const dlq = deadLetterQueueName(queue);
    await waitFor(async () => (await queueDepth(infra.amqpUrl, dlq)) === 1, { description: 'the poison in the .dlq' });
    expect(poisonRuns).toEqual([1, 2, 3]);
    const [deadLetter] = await readQueue(infra.amqpUrl, dlq);
    expect(JSON.parse(deadLetter.content.toString())).toEqual(poison);
    expect(deadLetter.properties).toMatchObject({ messageId: poison.messageId, type: 'cart.clear' });
    expect(deadLetter.headers).toMatchObject({
      'x-death-reason': 'retries_exhausted',
      'x-error-message': 'the cart database is on fire',
      'x-attempts': 3,
      'x-original-queue': queue,
      'x-original-routing-key': 'cart.clear',
      'x-failed-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      'x-message-type': 'cart.clear',
      'x-saga-id': poison.sagaId,
      'x-saga-step': 'clear-cart',
    });
    expect(deadLetter.headers['x-death']).toBeUndefined();
    expect(
      log.lines.filter((line) => line.message === 'dead-lettering the message' && line.messageId === poison.messageId),
    ).toEqual([expect.objectContaining({ level: 'error', reason: 'retries_exhausted', attempts: 3 })]);
    for (const attempt of [1, 2]) expect(await queueDepth(infra.amqpUrl, retryQueueName(queue, attempt))).toBe(0);
    expect(await queueDepth(infra.amqpUrl, queue)).toBe(0);
  });

  it('dead-letters a message its handler calls invalid at once, without retrying it', async () => {
    const { InvalidMessageError } = await import('@saga/contracts');
    const runs: number[] = [];
    await broker.consume(Queues.inventoryCommands, async ({ attempt, envelope }) => {
      runs.push(attempt);
      throw new InvalidMessageError('no such reservation', envelope.type);
    });
    const command = { ...orderProcess(), type: 'inventory.commit', payload: { orderId: randomUUID() } };

    await broker.publish({ exchange: Exchange.Commands, routingKey: 'inventory.commit', envelope: command });

    const dlq = deadLetterQueueName(queueOf(Queues.inventoryCommands));
    await waitFor(async () => (await queueDepth(infra.amqpUrl, dlq)) === 1, { description: 'the dead letter' });
    await new Promise((resolve) => setTimeout(resolve, delaysMs[0] * 1.5));
    expect(runs).toEqual([1]);
    const [deadLetter] = await readQueue(infra.amqpUrl, dlq);
    expect(deadLetter.headers).toMatchObject({
      'x-death-reason': 'invalid_message',
      'x-error-message': 'no such reservation',
      'x-attempts': 1,
      'x-message-type': 'inventory.commit',
      'x-saga-id': command.sagaId,
    });
  });
});
