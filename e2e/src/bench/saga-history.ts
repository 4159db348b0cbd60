import { performance } from 'node:perf_hooks';
import { historyPrefix } from '../harness/invariants';
import type { SystemUnderTest } from '../harness/system-under-test';

/** Sagas written per statement: large enough to be quick, small enough for one transaction's memory. */
const batchSize = 50_000;

/**
 * Fills the orchestrator's schema with `count` finished sagas shaped like one this run completed: the
 * instance (its state as written), its whole log, and the inbox and outbox rows of its messages, all
 * published, spread over the 30 days before now, their correlation ids marked with historyPrefix. What the orchestrator's hot path touches (the primary
 * keys and unique indexes, the unpublished and deadline indexes) then holds that history, as it would
 * after months in production. Orders and the workers' schemas are left as they are. Returns seconds.
 */
export async function loadSagaHistory(sut: SystemUnderTest, count: number): Promise<number> {
  const started = performance.now();
  const [template] = await sut.rows<{ id: string }>(
    `SELECT id FROM saga.saga_instances WHERE status = 'COMPLETED' ORDER BY created_at LIMIT 1`,
  );
  if (!template) throw new Error('a saga must have completed before its history can be copied');
  for (let done = 0; done < count; done += batchSize) {
    const n = Math.min(batchSize, count - done);
    await sut.rows(
      `WITH template AS (
         SELECT * FROM saga.saga_instances WHERE id = $1
       ), sagas AS (
         INSERT INTO saga.saga_instances (id, definition_name, definition_version, correlation_id, status,
                current_step, awaiting_command_id, deadline_at, state, version, log_seq, created_at, updated_at)
         SELECT gen_random_uuid(), t.definition_name, t.definition_version, $3 || gen_random_uuid(), t.status,
                NULL, NULL, NULL, t.state, t.version, t.log_seq, at, at
           FROM template t, generate_series(1, $2::int) g,
                LATERAL (SELECT now() - interval '30 days' * random() AS at) x
         RETURNING id, created_at
       ), log AS (
         INSERT INTO saga.saga_events (saga_id, seq, type, step_id, command_id, cause_message_id, status_after, data, at)
         SELECT s.id, e.seq, e.type, e.step_id, gen_random_uuid(), gen_random_uuid(), e.status_after, e.data, s.created_at
           FROM sagas s, saga.saga_events e WHERE e.saga_id = $1
       ), messages AS (
         SELECT s.id AS saga_id, s.created_at, o.exchange, o.routing_key, o.envelope, o.headers,
                gen_random_uuid() AS message_id, gen_random_uuid() AS received_id
           FROM sagas s, saga.outbox o WHERE o.envelope->>'sagaId' = $1::text
       ), outbox AS (
         INSERT INTO saga.outbox (message_id, exchange, routing_key, envelope, headers, created_at, available_at, published_at)
         SELECT message_id, exchange, routing_key,
                envelope || jsonb_build_object('messageId', message_id, 'sagaId', saga_id), headers,
                created_at, created_at, created_at
           FROM messages
       )
       INSERT INTO saga.inbox (message_id, consumer, message_type, received_at, outbox_message_ids)
       SELECT received_id, 'order-saga', 'saga.reply', created_at, ARRAY[message_id] FROM messages`,
      [template.id, n, historyPrefix],
    );
  }
  await sut.rows('VACUUM ANALYZE saga.saga_instances, saga.saga_events, saga.outbox, saga.inbox');
  return (performance.now() - started) / 1000;
}
