import { preparedQuery, schemaOf, type RetentionRule } from '@saga/persistence';

/**
 * What a service's inbox and outbox keep: the inbox row of a processed message, and the outbox rows
 * its handling published, for `retentionMs`; an outbox row not yet published is kept however old.
 * Both take the timestamp of the transaction that wrote them, so a message's inbox row and the rows
 * it re-sends on a duplicate go in the same pass, the inbox first: a copy arriving in between is
 * handled afresh (and meets the handler's own idempotency) rather than answered with nothing.
 */
export function messageRetention(retentionMs: number): readonly RetentionRule[] {
  return [
    {
      name: 'inbox',
      retentionMs,
      async deleteBatch(manager, cutoff, limit) {
        const s = schemaOf(manager.connection);
        const { rowCount } = await preparedQuery(
          manager,
          `DELETE FROM "${s}".inbox i USING (
             SELECT message_id, consumer FROM "${s}".inbox WHERE received_at < $1
              LIMIT $2 FOR UPDATE SKIP LOCKED
           ) old WHERE i.message_id = old.message_id AND i.consumer = old.consumer`,
          [cutoff, limit],
        );
        return rowCount;
      },
    },
    {
      name: 'outbox',
      retentionMs,
      async deleteBatch(manager, cutoff, limit) {
        const s = schemaOf(manager.connection);
        const { rowCount } = await preparedQuery(
          manager,
          `DELETE FROM "${s}".outbox WHERE id IN (
             SELECT id FROM "${s}".outbox WHERE created_at < $1 AND published_at IS NOT NULL
              LIMIT $2 FOR UPDATE SKIP LOCKED
           )`,
          [cutoff, limit],
        );
        return rowCount;
      },
    },
  ];
}
