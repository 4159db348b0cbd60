import { deleteOldRows, type RetentionRule } from '@saga/persistence';

/**
 * What a service's inbox and outbox keep: the inbox row of a processed message, and the outbox rows
 * its handling published, for `retentionMs`; an outbox row not yet published is kept however old.
 * Both take the timestamp of the transaction that wrote them, so a message's inbox row and the rows
 * it re-sends on a duplicate go in the same pass, the inbox first: a copy arriving in between is
 * handled afresh (and meets the handler's own idempotency) rather than answered with nothing.
 */
export function messageRetention(retentionMs: number): readonly RetentionRule[] {
  return [
    deleteOldRows({ name: 'inbox', retentionMs, table: 'inbox', olderThan: 'received_at' }),
    deleteOldRows({
      name: 'outbox',
      retentionMs,
      table: 'outbox',
      olderThan: 'created_at',
      andWhere: 'published_at IS NOT NULL',
    }),
  ];
}
