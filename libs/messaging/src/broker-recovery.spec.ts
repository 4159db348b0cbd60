import { Exchange, type MessageEnvelope, Queues } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { provisionTestInfrastructure, type TestInfrastructure, waitFor } from '@saga/testing';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { Broker } from './broker';

const run = promisify(execFile);

// The broker itself drops the connection, as it does on a node restart or a network partition.
async function forceCloseConnection(connectionName: string): Promise<void> {
  const { stdout } = await run('rabbitmqctl', [
    'list_connections',
    'pid',
    'client_properties',
    '--quiet',
    '--no-table-headers',
  ]);
  const line = stdout.split('\n').find((l) => l.includes(`{"connection_name","${connectionName}"}`));
  if (!line) throw new Error(`no broker connection named ${connectionName}`);
  const pid = line.split('\t')[0];
  await run('rabbitmqctl', ['close_connection', pid, 'forced by broker-recovery.spec']);
}

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

    await forceCloseConnection(connectionName);
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
