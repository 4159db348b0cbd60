import { Exchange, type MessageEnvelope, namespaced, type QueueSpec } from '@saga/contracts';
import { Broker } from '@saga/messaging';
import { createLogger } from '@saga/observability';
import { createServiceDataSource, initializeDataSource, schemaOf } from '@saga/persistence';
import { deleteWorkQueue, provisionTestInfrastructure, type TestInfrastructure, waitFor } from '@saga/testing';
import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { newEnvelope } from '@saga/contracts';
import { messagingEntities, messagingMigrations } from './index';
import { OutboxRelay } from './outbox/outbox-relay';
import type { PendingMessage } from './outbox/pending-message';
import { TransactionalMessaging } from './transactional-messaging';

/** The state a service changes in the same transaction as the messages it sends. */
class CreateNotes1732300000000 implements MigrationInterface {
  name = 'CreateNotes1732300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE "${schemaOf(runner.connection)}".notes (id text PRIMARY KEY)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "${schemaOf(runner.connection)}".notes`);
  }
}

interface OutboxRow {
  message_id: string;
  published_at: Date | null;
  available_at: Date;
  attempts: number;
  last_error: string | null;
}

const probeQueue: QueueSpec = { name: 'probe', bindings: [{ exchange: Exchange.Events, pattern: '#' }] };

function orderFailed(correlationId = `order-${randomUUID()}`): PendingMessage {
  return {
    exchange: Exchange.Events,
    routingKey: 'order.failed',
    envelope: newEnvelope({
      type: 'order.failed',
      payload: { orderId: randomUUID(), userId: 'user-1', code: 'out_of_stock', reason: 'no stock' },
      sagaId: null,
      correlationId,
      causationId: null,
    }),
  };
}

function command(): MessageEnvelope {
  return newEnvelope({
    type: 'inventory.release',
    payload: { orderId: randomUUID() },
    sagaId: randomUUID(),
    correlationId: `order-${randomUUID()}`,
    causationId: null,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('TransactionalMessaging and OutboxRelay', () => {
  let infra: TestInfrastructure;
  let dataSource: DataSource;
  let broker: Broker;
  const logger = createLogger({ service: 'outbox-spec', format: 'json', destination: new PassThrough().resume() });
  // Every envelope the probe queue received, in order, duplicates included.
  const received: MessageEnvelope[] = [];
  const relays: OutboxRelay[] = [];
  let wakes = 0;
  const waker = { wake: () => void (wakes += 1) };

  function relay(options: { batchSize?: number; pollIntervalMs?: number } = {}): OutboxRelay {
    const created = new OutboxRelay({ dataSource, publisher: broker, logger, ...options });
    relays.push(created);
    return created;
  }

  function receivedIds(): string[] {
    return received.map((envelope) => envelope.messageId);
  }

  async function outboxRow(messageId: string): Promise<OutboxRow | undefined> {
    const [row] = (await dataSource.query(
      `SELECT message_id, published_at, available_at, attempts, last_error FROM svc.outbox WHERE message_id = $1`,
      [messageId],
    )) as OutboxRow[];
    return row;
  }

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM ${sql}`, params)) as { n: number }[];
    return n;
  }

  beforeAll(async () => {
    infra = await provisionTestInfrastructure();
    dataSource = await initializeDataSource(
      createServiceDataSource({
        url: infra.databaseUrl,
        schema: 'svc',
        entities: messagingEntities,
        migrations: [...messagingMigrations, CreateNotes1732300000000],
        poolSize: 20,
      }),
    );
    broker = await Broker.connect({
      url: infra.amqpUrl,
      namespace: infra.namespace,
      logger,
      connectionName: `outbox-spec-${infra.namespace}`,
    });
    await broker.consume(probeQueue, async ({ envelope }) => {
      received.push(envelope);
    });
  });

  beforeEach(() => {
    received.length = 0;
    wakes = 0;
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  afterAll(async () => {
    await broker?.close();
    await dataSource?.destroy();
    if (infra) {
      const connection = await amqplib.connect(infra.amqpUrl);
      const channel = await connection.createChannel();
      const queue = namespaced(infra.namespace, probeQueue.name);
      await deleteWorkQueue(channel, queue);
      await connection.close();
      await infra.teardown();
    }
  });

  describe('transaction', () => {
    it('writes the outbox row in the same transaction as the state change and wakes the relay', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const message = orderFailed();

      const result = await messaging.transaction(async (tx) => {
        await tx.manager.query(`INSERT INTO svc.notes (id) VALUES ($1)`, [message.envelope.messageId]);
        tx.send(message);
        return 'done';
      });

      expect(result).toBe('done');
      expect(wakes).toBe(1);
      expect(await count(`svc.notes WHERE id = $1`, [message.envelope.messageId])).toBe(1);
      expect(await outboxRow(message.envelope.messageId)).toMatchObject({
        published_at: null,
        attempts: 0,
        last_error: null,
      });

      expect(await relay().flush()).toBe(1);
      await waitFor(async () => receivedIds().includes(message.envelope.messageId), {
        description: 'the committed message',
      });
      expect(received[0]).toEqual(message.envelope);
    });

    it('rolls back the state change and the message together when the work throws: nothing is published', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const message = orderFailed();

      await expect(
        messaging.transaction(async (tx) => {
          await tx.manager.query(`INSERT INTO svc.notes (id) VALUES ($1)`, [message.envelope.messageId]);
          tx.send(message);
          throw new Error('payment provider exploded');
        }),
      ).rejects.toThrow('payment provider exploded');

      expect(wakes).toBe(0);
      expect(await count(`svc.notes WHERE id = $1`, [message.envelope.messageId])).toBe(0);
      expect(await outboxRow(message.envelope.messageId)).toBeUndefined();
      expect(await relay().flush()).toBe(0);
      await sleep(300);
      expect(received).toEqual([]);
    });

    it('does not wake the relay when the work sent nothing', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);

      await messaging.transaction(async (tx) => {
        await tx.manager.query(`INSERT INTO svc.notes (id) VALUES ($1)`, [randomUUID()]);
      });

      expect(wakes).toBe(0);
    });
  });

  describe('OutboxRelay', () => {
    it('publishes committed rows with confirms and marks each one published', async () => {
      const running = relay({ pollIntervalMs: 60_000 });
      running.start();
      const messaging = new TransactionalMessaging(dataSource, running);
      const messages = [orderFailed(), orderFailed(), orderFailed()];

      await messaging.transaction(async (tx) => messages.forEach((m) => tx.send(m)));

      // The poll interval is a minute: only wake() can have made it publish this soon.
      await waitFor(async () => received.length === 3, { timeoutMs: 5000, description: 'three published messages' });
      expect(receivedIds().sort()).toEqual(messages.map((m) => m.envelope.messageId).sort());
      const rows = await Promise.all(
        messages.map((m) =>
          waitFor(async () => (await outboxRow(m.envelope.messageId))?.published_at ?? undefined, {
            description: 'published_at',
          }),
        ),
      );
      expect(rows.every((publishedAt) => publishedAt instanceof Date)).toBe(true);
    });

    it('keeps a row whose publish failed unpublished, counts the attempt, records the error and retries it later', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const routable = orderFailed();
      const unroutable: PendingMessage = {
        ...orderFailed(),
        exchange: Exchange.Commands,
        routingKey: 'nobody.listens',
      };
      await messaging.transaction(async (tx) => {
        tx.send(unroutable);
        tx.send(routable);
      });
      const before = Date.now();

      const outcome = await relay().publishBatch();

      const failed = await outboxRow(unroutable.envelope.messageId);
      expect(outcome).toEqual({ claimed: 2, published: 1 });
      expect(failed).toMatchObject({ published_at: null, attempts: 1 });
      expect(failed?.last_error).toContain('no queue is bound');
      expect(failed?.last_error).toContain('nobody.listens');
      expect(failed!.available_at.getTime()).toBeGreaterThan(before);
      expect((await outboxRow(routable.envelope.messageId))?.published_at).toBeInstanceOf(Date);

      // Not ready again until its backoff has passed; then it fails a second time, with a longer backoff.
      expect(await relay().publishBatch()).toEqual({ claimed: 0, published: 0 });
      await sleep(150);
      await relay().publishBatch();
      expect(await outboxRow(unroutable.envelope.messageId)).toMatchObject({ published_at: null, attempts: 2 });

      await dataSource.query(`DELETE FROM svc.outbox WHERE message_id = $1`, [unroutable.envelope.messageId]);
    });

    it('publishes each row exactly once when two relays share the table', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const messages = Array.from({ length: 60 }, () => orderFailed());
      for (let i = 0; i < messages.length; i += 10) {
        await messaging.transaction(async (tx) => messages.slice(i, i + 10).forEach((m) => tx.send(m)));
      }

      const first = relay({ batchSize: 4, pollIntervalMs: 20 });
      const second = relay({ batchSize: 4, pollIntervalMs: 20 });
      first.start();
      second.start();

      await waitFor(async () => received.length >= messages.length, { description: 'every message' });
      await sleep(500);
      expect(received).toHaveLength(messages.length);
      expect(new Set(receivedIds())).toEqual(new Set(messages.map((m) => m.envelope.messageId)));
      expect(await count(`svc.outbox WHERE published_at IS NULL`)).toBe(0);
    });

    it('flushes what is pending when stopped', async () => {
      const running = relay({ pollIntervalMs: 60_000 });
      running.start();
      // Give the first pass time to find nothing and go to sleep for a minute.
      await sleep(100);
      const messaging = new TransactionalMessaging(dataSource, { wake: () => undefined });
      const messages = [orderFailed(), orderFailed()];
      await messaging.transaction(async (tx) => messages.forEach((m) => tx.send(m)));

      await running.stop();

      for (const m of messages) expect((await outboxRow(m.envelope.messageId))?.published_at).toBeInstanceOf(Date);
      await waitFor(async () => received.length === 2, { timeoutMs: 5000, description: 'the flushed messages' });
    });
  });

  describe('processOnce', () => {
    it('runs the work once per consumer and message; a second delivery runs nothing and re-sends the original messages', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const incoming = command();
      let runs = 0;
      const work = async (tx: { manager: DataSource['manager']; send(m: PendingMessage): void }) => {
        runs += 1;
        await tx.manager.query(`INSERT INTO svc.notes (id) VALUES ($1)`, [`${incoming.messageId}-${runs}`]);
        tx.send(orderFailed(incoming.correlationId));
      };

      expect(await messaging.processOnce('inventory-worker', incoming, work)).toBe('processed');
      const [original] = (await dataSource.query(`SELECT outbox_message_ids FROM svc.inbox WHERE message_id = $1`, [
        incoming.messageId,
      ])) as {
        outbox_message_ids: string[];
      }[];
      expect(original.outbox_message_ids).toHaveLength(1);
      const [sentId] = original.outbox_message_ids;
      await relay().flush();
      expect((await outboxRow(sentId))?.published_at).toBeInstanceOf(Date);
      await waitFor(async () => received.length === 1, { description: 'the first reply' });

      expect(await messaging.processOnce('inventory-worker', incoming, work)).toBe('duplicate');

      expect(runs).toBe(1);
      expect(await count(`svc.notes WHERE id LIKE $1`, [`${incoming.messageId}-%`])).toBe(1);
      expect(await count(`svc.outbox WHERE envelope->>'correlationId' = $1`, [incoming.correlationId])).toBe(1);
      expect((await outboxRow(sentId))?.published_at).toBeNull();
      await relay().flush();
      expect((await outboxRow(sentId))?.published_at).toBeInstanceOf(Date);
      await waitFor(async () => received.length === 2, { description: 'the re-sent reply' });
      expect(receivedIds()).toEqual([sentId, sentId]);
      expect(received[1]).toEqual(received[0]);
    });

    it('records a message per consumer, so another consumer still processes it', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const incoming = command();
      const consumers: string[] = [];

      expect(await messaging.processOnce('cart-worker', incoming, async () => void consumers.push('cart-worker'))).toBe(
        'processed',
      );
      expect(
        await messaging.processOnce('payment-worker', incoming, async () => void consumers.push('payment-worker')),
      ).toBe('processed');
      expect(await messaging.processOnce('cart-worker', incoming, async () => void consumers.push('cart-worker'))).toBe(
        'duplicate',
      );

      expect(consumers).toEqual(['cart-worker', 'payment-worker']);
    });

    it('applies the work exactly once when the same message is processed twice at the same moment', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const incoming = command();
      let runs = 0;
      const work = async (tx: { manager: DataSource['manager']; send(m: PendingMessage): void }) => {
        runs += 1;
        // Hold the transaction open so the second delivery arrives while the first is still running.
        await tx.manager.query('SELECT pg_sleep(0.3)');
        await tx.manager.query(`INSERT INTO svc.notes (id) VALUES ($1)`, [`${incoming.messageId}-${runs}`]);
        tx.send(orderFailed(incoming.correlationId));
      };

      const outcomes = await Promise.all([
        messaging.processOnce('inventory-worker', incoming, work),
        messaging.processOnce('inventory-worker', incoming, work),
      ]);

      expect(outcomes.sort()).toEqual(['duplicate', 'processed']);
      expect(runs).toBe(1);
      expect(await count(`svc.notes WHERE id LIKE $1`, [`${incoming.messageId}-%`])).toBe(1);
      expect(await count(`svc.outbox WHERE envelope->>'correlationId' = $1`, [incoming.correlationId])).toBe(1);
    });

    it('lets a later delivery process the message when the first attempt failed and rolled back', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const incoming = command();

      await expect(
        messaging.processOnce('inventory-worker', incoming, async () => {
          throw new Error('database hiccup');
        }),
      ).rejects.toThrow('database hiccup');
      expect(await count(`svc.inbox WHERE message_id = $1`, [incoming.messageId])).toBe(0);

      expect(await messaging.processOnce('inventory-worker', incoming, async () => undefined)).toBe('processed');
    });

    it('commits the writes of unfinished work without recording the message, so its next delivery runs again', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const incoming = command();

      const first = await messaging.processOnce('payment-worker', incoming, async ({ manager }) => {
        await manager.query(`INSERT INTO svc.notes (id) VALUES ($1)`, [`${incoming.messageId}-intent`]);
        return 'unfinished';
      });
      const second = await messaging.processOnce('payment-worker', incoming, async (tx) => {
        await tx.manager.query(`INSERT INTO svc.notes (id) VALUES ($1)`, [`${incoming.messageId}-outcome`]);
        tx.send(orderFailed(incoming.correlationId));
      });

      expect([first, second]).toEqual(['unfinished', 'processed']);
      expect(await count(`svc.notes WHERE id LIKE $1`, [`${incoming.messageId}-%`])).toBe(2);
      expect(await count(`svc.inbox WHERE message_id = $1`, [incoming.messageId])).toBe(1);
      expect(await count(`svc.outbox WHERE envelope->>'correlationId' = $1`, [incoming.correlationId])).toBe(1);
    });

    it('refuses unfinished work that sent a message, rolling everything back', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const incoming = command();

      await expect(
        messaging.processOnce('payment-worker', incoming, async (tx) => {
          await tx.manager.query(`INSERT INTO svc.notes (id) VALUES ($1)`, [`${incoming.messageId}-intent`]);
          tx.send(orderFailed(incoming.correlationId));
          return 'unfinished';
        }),
      ).rejects.toThrow(/must send nothing/);
      expect(await count(`svc.notes WHERE id LIKE $1`, [`${incoming.messageId}-%`])).toBe(0);
    });
  });

  describe('publishing after commit', () => {
    it('publishes the rows the moment their transaction commits, without the relay, and marks them sent', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker, { publisher: broker, logger });
      const messages = [orderFailed(), orderFailed()];

      await messaging.transaction(async (tx) => messages.forEach((m) => tx.send(m)));

      await waitFor(async () => received.length === 2, { timeoutMs: 5000, description: 'both messages' });
      expect(receivedIds().sort()).toEqual(messages.map((m) => m.envelope.messageId).sort());
      expect(wakes).toBe(0);
      // Leased to this process for a while, so no relay publishes them a second time meanwhile.
      await relay().flush();
      await messaging.stop();
      const ours = new Set(messages.map((m) => m.envelope.messageId));
      expect(receivedIds().filter((id) => ours.has(id))).toHaveLength(2);
      for (const m of messages) expect((await outboxRow(m.envelope.messageId))?.published_at).toBeInstanceOf(Date);
    });

    it('leaves a row it could not publish to the relay, which takes it once its lease has passed', async () => {
      const unreachable = { publish: async () => Promise.reject(new Error('broker away')) };
      const messaging = new TransactionalMessaging(dataSource, waker, { publisher: unreachable, logger });
      const message = orderFailed();

      await messaging.transaction(async (tx) => tx.send(message));
      await messaging.stop();

      await relay().flush();
      expect(await outboxRow(message.envelope.messageId)).toMatchObject({ published_at: null });
      await dataSource.query(`UPDATE svc.outbox SET available_at = now() WHERE message_id = $1`, [
        message.envelope.messageId,
      ]);
      await relay().flush();
      expect((await outboxRow(message.envelope.messageId))?.published_at).toBeInstanceOf(Date);
      await waitFor(async () => receivedIds().includes(message.envelope.messageId), {
        description: 'the relayed message',
      });
    });
  });

  describe('applyInOneStatement', () => {
    const note =
      (id: string) =>
      ({ schema, param, fresh }: { schema: string; param: (v: unknown) => string; fresh: string }) =>
        `effect AS (INSERT INTO "${schema}".notes (id) SELECT ${param(id)}::text WHERE ${fresh} RETURNING id)`;

    it('commits the effect, the inbox record and the outbox rows together, and nothing for a message seen before', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const incoming = command();
      const reply = orderFailed(incoming.correlationId);

      expect(
        await messaging.applyInOneStatement('cart-worker', incoming, [reply], note(`${incoming.messageId}-1`)),
      ).toBe(true);
      expect(
        await messaging.applyInOneStatement('cart-worker', incoming, [reply], note(`${incoming.messageId}-2`)),
      ).toBe(false);

      expect(await count(`svc.notes WHERE id LIKE $1`, [`${incoming.messageId}-%`])).toBe(1);
      expect(await count(`svc.outbox WHERE envelope->>'correlationId' = $1`, [incoming.correlationId])).toBe(1);
      const [inbox] = (await dataSource.query(`SELECT outbox_message_ids FROM svc.inbox WHERE message_id = $1`, [
        incoming.messageId,
      ])) as { outbox_message_ids: string[] }[];
      expect(inbox.outbox_message_ids).toEqual([reply.envelope.messageId]);
      // The general path knows it too: a duplicate, whose original reply is sent again.
      expect(await messaging.processOnce('cart-worker', incoming, async () => undefined)).toBe('duplicate');
    });

    it('changes nothing when its effect finds nothing to change', async () => {
      const messaging = new TransactionalMessaging(dataSource, waker);
      const incoming = command();
      const nothing = () => `effect AS (SELECT 1 AS id WHERE false)`;

      expect(
        await messaging.applyInOneStatement('cart-worker', incoming, [orderFailed(incoming.correlationId)], nothing),
      ).toBe(false);

      expect(await count(`svc.inbox WHERE message_id = $1`, [incoming.messageId])).toBe(0);
      expect(await count(`svc.outbox WHERE envelope->>'correlationId' = $1`, [incoming.correlationId])).toBe(0);
    });
  });
});
