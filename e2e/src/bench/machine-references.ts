import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import amqplib from 'amqplib';
import { Client } from 'pg';

/** What this machine does, raw, at one concurrency: the yardstick a saga's cost is held against. */
export interface MachineReference {
  readonly concurrency: number;
  /** Small transactions (BEGIN, INSERT, UPDATE, COMMIT) committed per second from node-pg. */
  readonly commitsPerSecond: number;
  /** Confirmed request/reply round trips per second over two quorum queues (two messages each). */
  readonly requestRepliesPerSecond: number;
}

/** Measures both references at one concurrency, each for `ms` milliseconds. */
export async function measureMachine(
  { databaseUrl, amqpUrl, namespace }: { databaseUrl: string; amqpUrl: string; namespace: string },
  concurrency: number,
  ms: number,
): Promise<MachineReference> {
  return {
    concurrency,
    commitsPerSecond: await commitRate(databaseUrl, concurrency, ms),
    requestRepliesPerSecond: await requestReplyRate(amqpUrl, `${namespace}.reference`, concurrency, ms),
  };
}

async function commitRate(databaseUrl: string, concurrency: number, ms: number): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      return client;
    }),
  );
  try {
    await clients[0].query('CREATE TABLE IF NOT EXISTS bench_reference (id bigserial PRIMARY KEY, n int NOT NULL)');
    let commits = 0;
    const until = performance.now() + ms;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < until) {
          await client.query('BEGIN');
          const { rows } = await client.query<{ id: string }>(
            'INSERT INTO bench_reference (n) VALUES (1) RETURNING id',
          );
          await client.query('UPDATE bench_reference SET n = n + 1 WHERE id = $1', [rows[0].id]);
          await client.query('COMMIT');
          commits++;
        }
      }),
    );
    const rate = commits / ((performance.now() - started) / 1000);
    await clients[0].query('DROP TABLE bench_reference');
    return rate;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

// Two connections, as two processes would have: a requester publishing a request and waiting for its
// reply, and a responder that answers each request with a confirmed, persistent reply before it acks.
async function requestReplyRate(amqpUrl: string, prefix: string, concurrency: number, ms: number): Promise<number> {
  const requester = await amqplib.connect(amqpUrl, { noDelay: true });
  const responder = await amqplib.connect(amqpUrl, { noDelay: true });
  const requests = `${prefix}.requests`;
  const replies = `${prefix}.replies`;
  try {
    const setup = await requester.createChannel();
    for (const queue of [requests, replies]) {
      await setup.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    }

    const answer = await responder.createConfirmChannel();
    const take = await responder.createChannel();
    await take.prefetch(concurrency);
    await take.consume(requests, (message) => {
      if (!message) return;
      answer.sendToQueue(
        replies,
        message.content,
        { persistent: true, correlationId: message.properties.correlationId },
        () => take.ack(message),
      );
    });

    const waiting = new Map<string, () => void>();
    const listen = await requester.createChannel();
    await listen.prefetch(concurrency);
    await listen.consume(replies, (message) => {
      if (!message) return;
      listen.ack(message);
      waiting.get(String(message.properties.correlationId))?.();
    });
    const ask = await requester.createConfirmChannel();

    let roundTrips = 0;
    const until = performance.now() + ms;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const id = randomUUID();
          const replied = new Promise<void>((resolve) => waiting.set(id, resolve));
          await new Promise<void>((resolve, reject) =>
            ask.sendToQueue(requests, Buffer.from(id), { persistent: true, correlationId: id }, (error) =>
              error ? reject(error) : resolve(),
            ),
          );
          await replied;
          waiting.delete(id);
          roundTrips++;
        }
      }),
    );
    const rate = roundTrips / ((performance.now() - started) / 1000);
    await setup.deleteQueue(requests);
    await setup.deleteQueue(replies);
    return rate;
  } finally {
    await requester.close();
    await responder.close();
  }
}

/**
 * The most sagas a second this machine could settle if a saga cost nothing but its commits and its
 * messages: Postgres and RabbitMQ share the same cores, so their times add up.
 */
export function sagaBound(reference: MachineReference, commitsPerSaga: number, messagesPerSaga: number): number {
  const secondsPerSaga =
    commitsPerSaga / reference.commitsPerSecond + messagesPerSaga / 2 / reference.requestRepliesPerSecond;
  return 1 / secondsPerSaga;
}
