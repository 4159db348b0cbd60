import { Exchange, type MessageEnvelope, Queues } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import {
  forceCloseBrokerConnection,
  provisionTestInfrastructure,
  type TestInfrastructure,
  waitFor,
} from '@saga/testing';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Broker } from './broker';

function orderPlaced(): MessageEnvelope {
  return {
    messageId: randomUUID(),
    type: 'order.placed',
    schemaVersion: 1,
    sagaId: randomUUID(),
    correlationId: `order-${randomUUID()}`,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload: { orderId: randomUUID(), userId: 'user-1', source: 'cart', paymentMethod: { method: 'wallet' } },
  };
}

describe('Broker recovery', () => {
  let infra: TestInfrastructure;
  let broker: Broker;
  const connectionName = `messaging-recovery-${randomUUID()}`;

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    broker = await Broker.connect({
      url: infra.amqpUrl,
      namespace: infra.namespace,
      logger: createLogger({ service: 'messaging-spec', format: 'json', destination: new PassThrough() }),
      connectionName,
    });
  });

  afterAll(async () => {
    await broker?.close();
    await infra?.teardown();
  });

  it('reconnects after the broker closes the connection and consumes and publishes again', async () => {
    const received: string[] = [];
    await broker.consume(Queues.orderSagaEvents, async ({ envelope }) => {
      received.push(envelope.messageId);
    });
    const before = orderPlaced();
    await broker.publish({ exchange: Exchange.Events, routingKey: 'order.placed', envelope: before });
    await waitFor(async () => received.includes(before.messageId), { description: 'the event before the outage' });

    await forceCloseBrokerConnection(connectionName);
    await waitFor(async () => !broker.isConnected(), {
      intervalMs: 5,
      description: 'the broker to notice the closed connection',
    });
    const during = orderPlaced();
    await expect(
      broker.publish({ exchange: Exchange.Events, routingKey: 'order.placed', envelope: during }),
    ).rejects.toThrow('not connected to the broker');
    await waitFor(async () => broker.isConnected(), { description: 'the broker to reconnect' });

    const after = orderPlaced();
    await broker.publish({ exchange: Exchange.Events, routingKey: 'order.placed', envelope: after });
    await waitFor(async () => received.includes(after.messageId), { description: 'the event after recovery' });
    expect(received).toEqual([before.messageId, after.messageId]);
  });
});
