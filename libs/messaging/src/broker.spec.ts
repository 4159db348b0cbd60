import {
  deadLetterQueueName,
  Exchange,
  InvalidMessageError,
  type MessageEnvelope,
  namespaced,
  Queues,
  replyRoutingKey,
} from '@saga/contracts';
import { inSpan, startTracing, traceFields, type Tracing } from '@saga/observability';
import { captureLogs } from '@saga/observability/testing';
import {
  provisionTestInfrastructure,
  publishRaw,
  queueDepth,
  readQueue,
  type TestInfrastructure,
  waitFor,
} from '@saga/testing';
import { randomUUID } from 'node:crypto';
import { Broker } from './broker';
import type { ReceivedMessage } from './message-delivery';
import { BrokerUnavailableError, UnroutableMessageError } from './errors';

function envelope(type: string, payload: unknown, correlationId = `order-${randomUUID()}`): MessageEnvelope {
  return {
    messageId: randomUUID(),
    type,
    schemaVersion: 1,
    sagaId: randomUUID(),
    correlationId,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload,
  };
}

describe('Broker', () => {
  let infra: TestInfrastructure;
  let broker: Broker;
  let tracing: Tracing;
  const log = captureLogs('messaging-spec');

  beforeAll(async () => {
    // Without an endpoint: trace ids flow through messages, no span is exported.
    tracing = startTracing({ service: 'messaging-spec' });
    infra = await provisionTestInfrastructure();
    broker = await Broker.connect({
      url: infra.amqpUrl,
      namespace: infra.namespace,
      logger: log.logger,
      connectionName: `messaging-spec-${infra.namespace}`,
      deliveryLimit: 2,
      retry: { delaysMs: [50, 100], jitter: 0.2 },
    });
  });

  afterAll(async () => {
    await broker?.close();
    await infra?.teardown();
    await tracing?.stop();
  });

  it('delivers a published envelope to the consumer of a bound queue with its headers, in its trace', async () => {
    const received: ReceivedMessage[] = [];
    const handlerTrace: ReturnType<typeof traceFields>[] = [];
    await broker.consume(Queues.cartCommands, async (message) => {
      received.push(message);
      handlerTrace.push(traceFields());
    });
    const sent = envelope('cart.clear', { orderId: randomUUID(), userId: 'user-1' }, 'order-7');

    const sender = await inSpan('spec sender', {}, async () => {
      await broker.publish({
        exchange: Exchange.Commands,
        routingKey: 'cart.clear',
        envelope: sent,
        headers: { 'x-origin': 'spec' },
      });
      return traceFields();
    });

    const [message] = await waitFor(async () => received.length > 0 && received, {
      description: 'the cart.clear command',
    });
    expect(message.envelope).toEqual(sent);
    expect(message.queue).toBe(namespaced(infra.namespace, Queues.cartCommands.name));
    expect(message.redelivered).toBe(false);
    expect(message.deliveryCount).toBe(1);
    expect(message.headers).toMatchObject({ 'x-saga-id': sent.sagaId, 'x-origin': 'spec' });
    // The handler runs in a span of its own, in the trace the sender was in.
    expect(sender.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(handlerTrace[0].traceId).toBe(sender.traceId);
    expect(handlerTrace[0].spanId).not.toBe(sender.spanId);
  });

  it('maps the envelope onto AMQP properties and the active trace onto a traceparent', async () => {
    await broker.declare([Queues.inventoryCommands]);
    const queue = namespaced(infra.namespace, Queues.inventoryCommands.name);
    const first = envelope('inventory.commit', { orderId: randomUUID() }, 'order-8');
    const second = envelope('inventory.release', { orderId: randomUUID() }, 'order-8');

    await inSpan('spec sender', {}, async () => {
      await broker.publish({ exchange: Exchange.Commands, routingKey: 'inventory.commit', envelope: first });
      await broker.publish({ exchange: Exchange.Commands, routingKey: 'inventory.release', envelope: second });
    });

    const [read, readSecond] = await readQueue(infra.amqpUrl, queue);
    expect(JSON.parse(read.content.toString())).toEqual(first);
    expect(read.properties).toMatchObject({
      contentType: 'application/json',
      deliveryMode: 2,
      messageId: first.messageId,
      correlationId: 'order-8',
      type: 'inventory.commit',
      appId: `messaging-spec-${infra.namespace}`,
      timestamp: Math.floor(Date.parse(first.occurredAt) / 1000),
    });
    expect(read.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(readSecond.headers.traceparent).toBe(read.headers.traceparent);
  });

  it('dead-letters invalid messages with the reason and keeps consuming the valid ones', async () => {
    const handled: MessageEnvelope[] = [];
    const rejectedOrderId = randomUUID();
    await broker.consume(Queues.paymentCommands, async ({ envelope: received }) => {
      if ((received.payload as { orderId: string }).orderId === rejectedOrderId) {
        throw new InvalidMessageError('order is not known to payments', received.type);
      }
      handled.push(received);
    });
    const commands = namespaced(infra.namespace, Exchange.Commands);

    await publishRaw(infra.amqpUrl, {
      exchange: commands,
      routingKey: 'payment.capture',
      content: 'certainly not json',
    });
    await publishRaw(infra.amqpUrl, {
      exchange: commands,
      routingKey: 'payment.capture',
      content: JSON.stringify(envelope('payment.capture', { orderId: 'not-a-uuid' })),
      properties: { messageId: 'bad-payload', headers: { 'x-origin': 'spec' } },
    });
    await broker.publish({
      exchange: Exchange.Commands,
      routingKey: 'payment.void',
      envelope: envelope('payment.void', { orderId: rejectedOrderId }),
    });
    const valid = envelope('payment.capture', { orderId: randomUUID() });
    await broker.publish({ exchange: Exchange.Commands, routingKey: 'payment.capture', envelope: valid });

    await waitFor(async () => handled.length > 0, { description: 'the valid payment.capture' });
    expect(handled).toEqual([valid]);
    const queue = namespaced(infra.namespace, Queues.paymentCommands.name);
    const dlq = deadLetterQueueName(queue);
    await waitFor(async () => (await queueDepth(infra.amqpUrl, dlq)) === 3, { description: 'three dead letters' });
    const deadLetters = await readQueue(infra.amqpUrl, dlq);
    for (const deadLetter of deadLetters) {
      expect(deadLetter.headers).toMatchObject({
        'x-death-reason': 'invalid_message',
        'x-original-queue': queue,
        'x-failed-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
    const [notJson, badPayload, refused] = deadLetters;
    expect(notJson.content.toString()).toBe('certainly not json');
    expect(notJson.headers['x-error-message']).toMatch(/^body is not JSON/);
    expect(notJson.headers['x-original-routing-key']).toBe('payment.capture');
    expect(notJson.headers['x-attempts']).toBe(0);
    expect(badPayload.properties.messageId).toBe('bad-payload');
    expect(badPayload.headers).toMatchObject({
      'x-origin': 'spec',
      'x-error-message': expect.stringContaining('payload of payment.capture is invalid'),
    });
    expect(refused.headers).toMatchObject({
      'x-error-message': 'order is not known to payments',
      'x-original-routing-key': 'payment.void',
      'x-attempts': 1,
      'x-message-type': 'payment.void',
    });
    expect(await queueDepth(infra.amqpUrl, queue)).toBe(0);
  });

  it('retries a failing message through its retry queues, then dead-letters it, while later messages flow', async () => {
    const poison = envelope('order.process', { orderId: randomUUID() });
    const attempts: number[] = [];
    const handled: string[] = [];
    await broker.consume(Queues.orderApiCommands, async ({ envelope: received, attempt }) => {
      if (received.messageId === poison.messageId) {
        attempts.push(attempt);
        throw new Error('database is on fire');
      }
      handled.push(received.messageId);
    });
    const healthy = envelope('order.process', { orderId: randomUUID() });

    await broker.publish({ exchange: Exchange.Commands, routingKey: 'order.process', envelope: poison });
    await broker.publish({ exchange: Exchange.Commands, routingKey: 'order.process', envelope: healthy });

    const dlq = deadLetterQueueName(namespaced(infra.namespace, Queues.orderApiCommands.name));
    await waitFor(async () => (await queueDepth(infra.amqpUrl, dlq)) === 1, {
      description: 'the poison message in the .dlq',
    });
    expect(attempts).toEqual([1, 2, 3]);
    expect(handled).toEqual([healthy.messageId]);
    const [deadLetter] = await readQueue(infra.amqpUrl, dlq);
    expect(deadLetter.properties.messageId).toBe(poison.messageId);
    expect(deadLetter.headers).toMatchObject({ 'x-death-reason': 'retries_exhausted', 'x-attempts': 3 });
    const retries = log.lines.filter((line) => line.message === 'message handler failed; retrying after a delay');
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({
      level: 'warn',
      attempt: 1,
      sagaId: poison.sagaId,
      correlationId: poison.correlationId,
      messageId: poison.messageId,
    });

    const later = envelope('order.process', { orderId: randomUUID() });
    await broker.publish({ exchange: Exchange.Commands, routingKey: 'order.process', envelope: later });
    await waitFor(async () => handled.includes(later.messageId), { description: 'a message after the poison one' });
  });

  it('rejects a command that no queue is bound for, and publishes normally afterwards', async () => {
    const unroutable = envelope('shipping.dispatch', { orderId: randomUUID() });

    await expect(
      broker.publish({ exchange: Exchange.Commands, routingKey: 'shipping.dispatch', envelope: unroutable }),
    ).rejects.toBeInstanceOf(UnroutableMessageError);
    await expect(
      broker.publish({
        exchange: Exchange.Commands,
        routingKey: 'inventory.commit',
        envelope: envelope('inventory.commit', { orderId: randomUUID() }),
      }),
    ).resolves.toBeUndefined();
  });

  it('confirms an event nobody listens to, since an event is a fact and not a request', async () => {
    await expect(
      broker.publish({
        exchange: Exchange.Events,
        routingKey: 'order.completed',
        envelope: envelope('order.completed', { orderId: randomUUID() }),
      }),
    ).resolves.toBeUndefined();
  });

  it('waits for running handlers to finish and ack when consuming stops', async () => {
    let finished = false;
    let started = false;
    await broker.consume(Queues.orderSagaReplies, async () => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = true;
    });
    const reply = envelope('saga.reply', {
      commandId: randomUUID(),
      commandType: 'cart.clear',
      outcome: 'success',
      result: {},
    });
    await broker.publish({ exchange: Exchange.Replies, routingKey: replyRoutingKey('cart.clear'), envelope: reply });
    await waitFor(async () => started, { description: 'the handler to start' });

    await broker.stopConsuming();

    expect(finished).toBe(true);
    expect(await queueDepth(infra.amqpUrl, namespaced(infra.namespace, Queues.orderSagaReplies.name))).toBe(0);
  });
});

describe('Broker once closed', () => {
  it('rejects publishes at once as unavailable', async () => {
    const infra = await provisionTestInfrastructure();
    const broker = await Broker.connect({
      url: infra.amqpUrl,
      namespace: infra.namespace,
      logger: captureLogs('messaging-spec').logger,
      connectionName: `messaging-spec-closed-${infra.namespace}`,
    });
    expect(broker.isConnected()).toBe(true);
    await broker.close();
    expect(broker.isConnected()).toBe(false);
    const message = envelope('cart.clear', { orderId: randomUUID(), userId: 'user-1' });
    await expect(
      broker.publish({ exchange: Exchange.Commands, routingKey: 'cart.clear', envelope: message }),
    ).rejects.toBeInstanceOf(BrokerUnavailableError);
    await infra.teardown();
  });
});
