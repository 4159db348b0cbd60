import type { EntityManager } from 'typeorm';

/**
 * Rows of one kind that are deleted once older than their retention period, a batch at a time, each
 * batch in its own transaction so pruning never holds many locks or one long transaction.
 */
export interface RetentionRule {
  /** What the rows are, in logs: e.g. `inbox`. */
  readonly name: string;
  /** How long a row is kept, in milliseconds. */
  readonly retentionMs: number;
  /** Deletes up to `limit` of the rows older than `cutoff`, inside a transaction; returns how many. */
  deleteBatch(manager: EntityManager, cutoff: Date, limit: number): Promise<number>;
}
