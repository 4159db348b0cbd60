import type { DataSource } from 'typeorm';
import type { Exchange } from '@saga/contracts';
import type { Logger } from '@saga/observability';
import { defaultRelayMaxBackoffMs, relayBackoffMs } from '@saga/retry';
import { OutboxMessage } from './outbox-message.entity';
import type { ConfirmedPublisher } from './pending-message';

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  readonly publisher: ConfirmedPublisher;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** How often the relay looks for work when nobody woke it; covers rows written by other replicas. */
  readonly pollIntervalMs?: number;
  /** Longest wait before a row whose publish failed is tried again (default: @saga/retry's). */
  readonly maxBackoffMs?: number;
}

/**
 * Publishes outbox rows with publisher confirms and marks a row sent only after the broker confirmed it.
 * Several replicas may run a relay on the same table: rows are claimed with FOR UPDATE SKIP LOCKED.
 * A crash between publish and mark publishes the row again, which receivers absorb through their inbox.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? defaultRelayMaxBackoffMs;
  }

  /** Starts publishing in the background until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Tells the relay new rows were committed, so it publishes now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops the loop after flushing what is publishable now, so a clean shutdown leaves nothing behind. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await this.flush();
  }

  /** Publishes until no row is ready; returns how many were published. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const { claimed, published } = await this.publishBatch();
      total += published;
      if (claimed < this.batchSize || published === 0) return total;
    }
  }

  /** Claims one batch of ready rows and publishes it; rows that failed are rescheduled with backoff. */
  async publishBatch(): Promise<{ claimed: number; published: number }> {
    const { dataSource, publisher, logger } = this.options;
    return dataSource.transaction(async (manager) => {
      const rows = await manager
        .getRepository(OutboxMessage)
        .createQueryBuilder('o')
        .where('o.published_at IS NULL')
        .andWhere('o.available_at <= now()')
        .orderBy('o.id')
        .limit(this.batchSize)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (rows.length === 0) return { claimed: 0, published: 0 };

      const outcomes = await Promise.allSettled(
        rows.map((row) =>
          publisher.publish({
            exchange: row.exchange as Exchange,
            routingKey: row.routingKey,
            envelope: row.envelope,
            headers: row.headers,
          }),
        ),
      );
      const published = rows.filter((_, i) => outcomes[i].status === 'fulfilled').map((row) => row.id);
      if (published.length > 0) {
        await manager.query(`UPDATE ${this.table()} SET published_at = now() WHERE id = ANY($1::bigint[])`, [
          published,
        ]);
      }
      for (const [i, row] of rows.entries()) {
        const outcome = outcomes[i];
        if (outcome.status === 'fulfilled') continue;
        const error = String((outcome.reason as Error)?.message ?? outcome.reason);
        const delayMs = relayBackoffMs(row.attempts + 1, this.maxBackoffMs);
        await manager.query(
          `UPDATE ${this.table()} SET attempts = attempts + 1, last_error = $2,
             available_at = now() + ($3::int * interval '1 millisecond') WHERE id = $1`,
          [row.id, error, delayMs],
        );
        logger.warn('outbox publish failed; will retry', {
          messageId: row.messageId,
          type: row.envelope.type,
          attempt: row.attempts + 1,
          delayMs,
          error,
        });
      }
      return { claimed: rows.length, published: published.length };
    });
  }

  private table(): string {
    const { schema, tableName } = this.options.dataSource.getMetadata(OutboxMessage);
    return `"${schema}"."${tableName}"`;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      try {
        const { claimed } = await this.publishBatch();
        if (claimed === this.batchSize || this.woken) continue;
      } catch (error) {
        this.options.logger.error('outbox relay pass failed', { error });
      }
      await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.wakeUp = done;
      if (this.woken || !this.running) done();
    });
  }
}
