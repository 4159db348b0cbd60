import { allowPruningInThisTransaction, preparedQuery, schemaOf, type RetentionRule } from '@saga/persistence';
import { SagaStatus } from '../engine/state';

/**
 * Finished sagas (COMPLETED, FAILED or KILLED) whose last transition is older than `retentionMs` are deleted
 * with their log. A saga that is running, compensating or waits for a person is kept however old.
 */
export function finishedSagaRetention(retentionMs: number): RetentionRule {
  return {
    name: 'finished sagas',
    retentionMs,
    async deleteBatch(manager, cutoff, limit) {
      const s = schemaOf(manager.connection);
      await allowPruningInThisTransaction(manager);
      const { rows } = await preparedQuery<{ deleted: number }>(
        manager,
        `WITH old AS (
           SELECT id FROM "${s}".saga_instances
            WHERE status = ANY($3::text[]) AND updated_at < $1
            LIMIT $2 FOR UPDATE SKIP LOCKED
         ), log AS (
           DELETE FROM "${s}".saga_events WHERE saga_id IN (SELECT id FROM old)
         ), instances AS (
           DELETE FROM "${s}".saga_instances WHERE id IN (SELECT id FROM old) RETURNING 1
         )
         SELECT count(*)::int AS deleted FROM instances`,
        [cutoff, limit, [SagaStatus.Completed, SagaStatus.Failed, SagaStatus.Killed]],
      );
      return rows[0].deleted;
    },
  };
}
