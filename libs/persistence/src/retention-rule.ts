import type { EntityManager } from 'typeorm';
import { schemaOf } from './data-source';
import { preparedQuery } from './prepared-query';

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

/** A table of the service's schema whose rows go once their `olderThan` column is past the period. */
export interface OldRows {
  readonly name: string;
  readonly retentionMs: number;
  readonly table: string;
  /** The timestamp column that dates a row. */
  readonly olderThan: string;
  /** A further condition a row must meet to go (say, `published_at IS NOT NULL`). */
  readonly andWhere?: string;
}

/**
 * The rule for rows that go by age alone: each batch claims its rows with SKIP LOCKED (replicas
 * pruning at once split the work) and deletes them by their physical address, whatever their key.
 */
export function deleteOldRows({ name, retentionMs, table, olderThan, andWhere }: OldRows): RetentionRule {
  return {
    name,
    retentionMs,
    async deleteBatch(manager, cutoff, limit) {
      const qualified = `"${schemaOf(manager.connection)}".${table}`;
      const { rowCount } = await preparedQuery(
        manager,
        `DELETE FROM ${qualified} WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM ${qualified} WHERE ${olderThan} < $1 ${andWhere ? `AND ${andWhere}` : ''}
            LIMIT $2 FOR UPDATE SKIP LOCKED
         ))`,
        [cutoff, limit],
      );
      return rowCount;
    },
  };
}
