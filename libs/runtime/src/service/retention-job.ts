import type { DataSource } from 'typeorm';
import type { Logger } from '@saga/observability';
import type { RetentionRule } from '@saga/persistence';
import { PeriodicTask } from './periodic-task';

export interface RetentionJobOptions {
  readonly dataSource: DataSource;
  readonly logger: Logger;
  readonly rules: readonly RetentionRule[];
  /** The time between passes (default 10 minutes); the first comes at a random point within one. */
  readonly intervalMs?: number;
  /** Rows deleted per statement and transaction (default 5000). */
  readonly batchSize?: number;
}

/**
 * Deletes what each rule no longer keeps, every intervalMs. Safe in every replica at once: a batch
 * claims its rows with SKIP LOCKED, so two passes split the work instead of waiting on each other.
 */
export class RetentionJob {
  private readonly batchSize: number;
  private readonly task: PeriodicTask;

  constructor(private readonly options: RetentionJobOptions) {
    this.batchSize = options.batchSize ?? 5_000;
    const intervalMs = options.intervalMs ?? 600_000;
    this.task = new PeriodicTask({
      name: 'retention pass',
      intervalMs,
      firstAfterMs: Math.random() * intervalMs,
      logger: options.logger,
      pass: async () => {
        const deleted = await this.prune();
        if (Object.values(deleted).some((n) => n > 0)) options.logger.info('pruned expired rows', deleted);
      },
    });
  }

  start(): void {
    this.task.start();
  }

  /** Stops after the batch in progress, if any. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One pass: each rule's rows older than its period at `now` are deleted; returns how many, by rule. */
  async prune(now = new Date()): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const rule of this.options.rules) {
      const cutoff = new Date(now.getTime() - rule.retentionMs);
      deleted[rule.name] = 0;
      for (;;) {
        const count = await this.options.dataSource.transaction((manager) =>
          rule.deleteBatch(manager, cutoff, this.batchSize),
        );
        deleted[rule.name] += count;
        if (count < this.batchSize || this.task.stopping) break;
      }
    }
    return deleted;
  }
}
