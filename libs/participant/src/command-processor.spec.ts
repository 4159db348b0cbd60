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
import {
  callFirst,
  commandProcessor,
  fail,
  replyLater,
  sendReply,
  succeed,
  type CallingCommandHandler,
  type CommandHandlers,
  type ReplyAddress,
} from './command-processor';

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

  describe('with a call outside the database', () => {
    /** A provider that charges per key: calling again with a key it has seen charges nothing new. */
    const provider = { charges: new Map<string, number>(), failNext: 0, transactionsOpenAtCall: [] as number[] };
    const intents: string[] = [];
    const later = new Map<string, ReplyAddress>();
    const capture: CallingCommandHandler<typeof paymentCapture, string, number> = {
      async decide({ orderId }, { manager }) {
        const [known] = (await manager.query(`SELECT outcome FROM worker.calls WHERE key = $1`, [orderId])) as {
          outcome: number | null;
        }[];
        if (known?.outcome != null) return succeed({ ...captured, amount: known.outcome });
        if (!known) await manager.query(`INSERT INTO worker.calls (key) VALUES ($1)`, [orderId]);
        intents.push(orderId);
        return callFirst(orderId);
      },
      async call(key) {
        const [{ open }] = (await dataSource.query(
          `SELECT count(*)::int AS open FROM pg_stat_activity
            WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
        )) as { open: number }[];
        provider.transactionsOpenAtCall.push(open);
        if (!provider.charges.has(key)) provider.charges.set(key, 100 + provider.charges.size);
        if (provider.failNext > 0) {
          provider.failNext -= 1;
          throw new Error('provider reply lost');
        }
        return provider.charges.get(key) ?? 0;
      },
      async conclude({ orderId }, key, amount, { manager, replyAddress }) {
        await manager.query(`UPDATE worker.calls SET outcome = $2 WHERE key = $1`, [key, amount]);
        if (orderId.startsWith('0')) {
          later.set(orderId, replyAddress);
          return replyLater();
        }
        return succeed({ ...captured, amount });
      },
    };
    let callingProcess: ReturnType<typeof commandProcessor>;

    beforeAll(async () => {
      await dataSource.query(`CREATE TABLE worker.calls (key uuid PRIMARY KEY, outcome int)`);
      callingProcess = commandProcessor({
        consumer: 'calling-worker',
        messaging: new TransactionalMessaging(dataSource, { wake: () => undefined }),
        handlers: { 'payment.capture': capture },
        logger,
      });
    });

    const deliverCalling = (envelope: MessageEnvelope) =>
      callingProcess({ envelope, headers: {}, queue: 'spec', redelivered: false, deliveryCount: 1, attempt: 1 });
    const orderNotStartingWith0 = () => `1${randomUUID().slice(1)}`;

    it('records the intent, calls with no transaction open, then replies with what the call answered', async () => {
      const envelope = command(paymentCapture.type, { orderId: orderNotStartingWith0() });
      await deliverCalling(envelope);
      const [reply] = await repliesTo(envelope);
      expect(reply.envelope.payload).toMatchObject({ outcome: 'success', result: { amount: expect.any(Number) } });
      expect(provider.transactionsOpenAtCall.at(-1)).toBe(0);
    });

    it('calls again with the same key when the call failed, and charges once', async () => {
      const orderId = orderNotStartingWith0();
      const envelope = command(paymentCapture.type, { orderId });
      provider.failNext = 1;
      await expect(deliverCalling(envelope)).rejects.toThrow('provider reply lost');
      expect(await repliesTo(envelope)).toEqual([]);

      await deliverCalling(envelope);
      await deliverCalling(envelope);

      const replies = await repliesTo(envelope);
      expect(replies).toHaveLength(1);
      expect(replies[0].envelope.payload).toMatchObject({ result: { amount: provider.charges.get(orderId) } });
      expect(intents.filter((i) => i === orderId)).toHaveLength(2);
    });

    it('answers a later command for the same work from what was recorded, without calling', async () => {
      const orderId = orderNotStartingWith0();
      await deliverCalling(command(paymentCapture.type, { orderId }));
      const calls = provider.transactionsOpenAtCall.length;
      const retried = command(paymentCapture.type, { orderId });
      await deliverCalling(retried);
      expect(provider.transactionsOpenAtCall).toHaveLength(calls);
      expect((await repliesTo(retried))[0].envelope.payload).toMatchObject({ outcome: 'success' });
    });

    it('sends nothing for a reply promised for later, and sends it to the command when asked', async () => {
      const orderId = `0${randomUUID().slice(1)}`;
      const envelope = command(paymentCapture.type, { orderId });
      await deliverCalling(envelope);
      expect(await repliesTo(envelope)).toEqual([]);

      const address = later.get(orderId);
      if (!address) throw new Error('no reply address kept');
      await new TransactionalMessaging(dataSource, { wake: () => undefined }).transaction(async ({ send }) =>
        sendReply(send, address, fail(FailureCode.CardDeclined, 'declined on the second factor')),
      );
      const [reply] = await repliesTo(envelope);
      expect(reply.envelope).toMatchObject({
        sagaId: envelope.sagaId,
        correlationId: envelope.correlationId,
        payload: { commandId: envelope.messageId, outcome: 'failure', failure: { code: FailureCode.CardDeclined } },
      });
    });
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
