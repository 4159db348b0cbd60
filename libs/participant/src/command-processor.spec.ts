import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  Exchange,
  FailureCode,
  InvalidMessageError,
  MessageHeader,
  newEnvelope,
  paymentCapture,
  paymentVoid,
  type MessageEnvelope,
} from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { messagingEntities, messagingMigrations, TransactionalMessaging } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { commandProcessor, fail, succeed, type CommandHandlers } from './command-processor';

const logger = createLogger({ service: 'participant-spec', level: 'error' });

describe('commandProcessor on a real database', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let process: ReturnType<typeof commandProcessor>;
  const calls: string[] = [];
  const captured = { paymentId: randomUUID(), amount: 100 };
  /** Orders whose capture returns a result without its amount: a handler's bug. */
  const brokenResults = new Set<string>();

  const handlers: CommandHandlers<'payment.capture' | 'payment.void'> = {
    'payment.capture': async ({ orderId }) => {
      calls.push(orderId);
      return succeed(brokenResults.has(orderId) ? ({ paymentId: captured.paymentId } as typeof captured) : captured);
    },
    'payment.void': async ({ orderId }) => {
      calls.push(orderId);
      return fail(FailureCode.InvalidState, `order ${orderId} was captured already`);
    },
  };

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await initializeDataSource(
      createServiceDataSource({
        url: infra.databaseUrl,
        schema: 'worker',
        entities: messagingEntities,
        migrations: messagingMigrations,
      }),
    );
    process = commandProcessor({
      consumer: 'spec-worker',
      messaging: new TransactionalMessaging(dataSource, { wake: () => undefined }),
      handlers,
      logger,
    });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await infra?.teardown();
  });

  beforeEach(() => {
    calls.length = 0;
  });

  function command(type: string, payload: unknown): MessageEnvelope {
    return newEnvelope({ type, payload, sagaId: randomUUID(), correlationId: randomUUID(), causationId: null });
  }

  function deliver(envelope: MessageEnvelope, headers: Record<string, unknown> = {}): Promise<void> {
    return process({ envelope, headers, queue: 'spec', redelivered: false, deliveryCount: 1, attempt: 1 });
  }

  async function repliesTo(envelope: MessageEnvelope) {
    return (await dataSource.query(
      `SELECT exchange, routing_key AS "routingKey", envelope, headers FROM worker.outbox
        WHERE envelope->>'causationId' = $1`,
      [envelope.messageId],
    )) as { exchange: string; routingKey: string; envelope: MessageEnvelope; headers: Record<string, string> }[];
  }

  it('applies a command and writes its reply, with the saga step it came with, in the same transaction', async () => {
    const envelope = command(paymentCapture.type, { orderId: randomUUID() });

    await deliver(envelope, { [MessageHeader.SagaStep]: 'capture-payment' });

    const [reply] = await repliesTo(envelope);
    expect(reply).toMatchObject({
      exchange: Exchange.Replies,
      routingKey: expect.stringContaining('payment.capture'),
      headers: { [MessageHeader.SagaStep]: 'capture-payment' },
      envelope: {
        sagaId: envelope.sagaId,
        correlationId: envelope.correlationId,
        payload: { commandId: envelope.messageId, outcome: 'success', result: captured },
      },
    });
  });

  it('replies with the failure a handler concluded', async () => {
    const envelope = command(paymentVoid.type, { orderId: randomUUID() });

    await deliver(envelope);

    const [reply] = await repliesTo(envelope);
    expect(reply.envelope.payload).toEqual({
      commandId: envelope.messageId,
      commandType: paymentVoid.type,
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState, message: expect.stringContaining('captured already') },
    });
  });

  it('handles a redelivered command once and keeps its one reply', async () => {
    const envelope = command(paymentCapture.type, { orderId: randomUUID() });

    await deliver(envelope);
    await deliver(envelope);

    expect(calls).toHaveLength(1);
    expect(await repliesTo(envelope)).toHaveLength(1);
  });

  it('refuses a command type it has no handler for as invalid, writing nothing', async () => {
    const envelope = command('inventory.reserve', { orderId: randomUUID(), items: [] });

    await expect(deliver(envelope)).rejects.toBeInstanceOf(InvalidMessageError);

    expect(calls).toEqual([]);
    expect(await repliesTo(envelope)).toEqual([]);
  });

  it('rolls the handling back when a result breaks its contract, so the broker retries it', async () => {
    const orderId = randomUUID();
    brokenResults.add(orderId);
    const envelope = command(paymentCapture.type, { orderId });

    await expect(deliver(envelope)).rejects.toThrow(/amount/);

    expect(await repliesTo(envelope)).toEqual([]);
    const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM worker.inbox WHERE message_id = $1`, [
      envelope.messageId,
    ])) as { n: number }[];
    expect(n).toBe(0);
  });
});
