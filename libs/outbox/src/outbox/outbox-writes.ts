import type { EntityManager } from 'typeorm';
import { literal, placeholders, preparedQuery, type Param } from '@saga/persistence';
import type { PendingMessage } from './pending-message';

/** What one transaction writes to its outbox, in one statement with whatever rides along. */
export interface OutboxWrite {
  readonly messages: readonly PendingMessage[];
  /**
   * How long the process that writes the rows keeps them to itself to publish once committed, before
   * the relay may take them (0: the relay publishes them). A message with `notBefore` waits until then.
   */
  readonly leaseMs: number;
  /** Rows this process published since its last write, to be marked sent in the same statement. */
  readonly markSent: readonly string[];
  /** The inbox record of the message being processed, which learns the ids of what its handling sent. */
  readonly inbox?: { readonly messageId: string; readonly consumer: string };
}

/** A row re-sent for a duplicate delivery: what the process needs to publish it again. */
interface ResentRow {
  exchange: string;
  routing_key: string;
  envelope: PendingMessage['envelope'];
  headers: Record<string, string>;
}

/**
 * The common table expressions that write a transaction's outbox: `sent` marks the rows published
 * since the last write, `recorded` (with an inbox) stores on the inbox row what its handling sent, and
 * `outbox` inserts the new rows, only `when` the condition holds (always, without one).
 */
export function outboxCtes(schema: string, param: Param, write: OutboxWrite, when = 'true'): string {
  const rows = write.messages.map((m) => ({
    message_id: m.envelope.messageId,
    exchange: m.exchange,
    routing_key: m.routingKey,
    envelope: m.envelope,
    headers: m.headers ?? {},
    not_before: m.notBefore?.toISOString() ?? null,
  }));
  const recorded = write.inbox
    ? `recorded AS (
         UPDATE "${schema}".inbox SET outbox_message_ids = ${param(rows.map((r) => r.message_id))}::uuid[]
          WHERE message_id = ${param(write.inbox.messageId)}::uuid AND consumer = ${param(write.inbox.consumer)}::text
       ),`
    : '';
  return `sent AS (${markSentSql(schema, param(write.markSent))}), ${recorded} outbox AS (
      INSERT INTO "${schema}".outbox (message_id, exchange, routing_key, envelope, headers, available_at)
      SELECT r.message_id, r.exchange, r.routing_key, r.envelope, r.headers,
             coalesce(r.not_before, now() + ${param(write.leaseMs)}::int * interval '1 millisecond')
        FROM json_to_recordset(${param(JSON.stringify(rows))}::json)
          AS r(message_id uuid, exchange text, routing_key text, envelope jsonb, headers jsonb, not_before timestamptz)
       WHERE ${when}
    )`;
}

/** Marks rows this process published as sent, on their own (when no outbox write took them along). */
export async function markSent(manager: EntityManager, schema: string, messageIds: readonly string[]): Promise<void> {
  const values: unknown[] = [];
  await preparedQuery(manager, markSentSql(schema, placeholders(values)(messageIds)), values);
}

function markSentSql(schema: string, messageIds: string): string {
  return `UPDATE "${schema}".outbox SET published_at = now()
           WHERE message_id = ANY(${messageIds}::uuid[]) AND published_at IS NULL`;
}

/**
 * Inserts the outbox rows, marks the rows published since the last write as sent, and records on the
 * inbox row what its handling sent: one round trip, however many rows.
 */
export async function writeOutbox(manager: EntityManager, schema: string, write: OutboxWrite): Promise<void> {
  const values: unknown[] = [];
  const text = `WITH ${outboxCtes(schema, placeholders(values), write)} SELECT 1`;
  await preparedQuery(manager, text, values);
}

/**
 * The statement that records a received message in the inbox, returning a row unless this consumer
 * has it already (a redelivery); in literals, to travel with BEGIN.
 */
export function inboxInsertSql(
  schema: string,
  inbox: { messageId: string; consumer: string; messageType: string },
): string {
  return `INSERT INTO "${schema}".inbox (message_id, consumer, message_type)
          VALUES (${literal(inbox.messageId)}, ${literal(inbox.consumer)}, ${literal(inbox.messageType)})
          ON CONFLICT DO NOTHING RETURNING 1`;
}

/** Takes back the inbox record this transaction inserted, for a message it leaves unprocessed. */
export async function forgetInboxRecord(
  manager: EntityManager,
  schema: string,
  inbox: { messageId: string; consumer: string },
): Promise<void> {
  await preparedQuery(manager, `DELETE FROM "${schema}".inbox WHERE message_id = $1 AND consumer = $2`, [
    inbox.messageId,
    inbox.consumer,
  ]);
}

/**
 * For a redelivered message: makes the rows its first handling sent unpublished again, leased to this
 * process for `leaseMs`, and returns them so they can be published again at once.
 */
export async function resendRecorded(
  manager: EntityManager,
  schema: string,
  inbox: { messageId: string; consumer: string },
  leaseMs: number,
): Promise<PendingMessage[]> {
  const { rows } = await preparedQuery<ResentRow>(
    manager,
    `UPDATE "${schema}".outbox o
        SET published_at = NULL, available_at = now() + $3::int * interval '1 millisecond'
       FROM "${schema}".inbox i
      WHERE i.message_id = $1 AND i.consumer = $2 AND o.message_id = ANY(i.outbox_message_ids)
      RETURNING o.exchange, o.routing_key, o.envelope, o.headers`,
    [inbox.messageId, inbox.consumer, leaseMs],
  );
  return rows.map((row) => ({
    exchange: row.exchange as PendingMessage['exchange'],
    routingKey: row.routing_key,
    envelope: row.envelope,
    headers: row.headers,
  }));
}
