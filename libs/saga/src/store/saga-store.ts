import type { EntityManager } from 'typeorm';
import type { OneStatementEffect } from '@saga/outbox';
import { placeholders, preparedQuery, schemaOf, type Param } from '@saga/persistence';
import type { SagaState, SagaStatus } from '../engine/state';

/** A saga instance as a transition reads it under its row lock. */
export interface LockedSaga {
  readonly id: string;
  readonly definitionName: string;
  readonly definitionVersion: number;
  /** The step list's fingerprint of the definition it started on; null for sagas started before it was kept. */
  readonly definitionFingerprint: string | null;
  readonly correlationId: string;
  readonly status: SagaStatus;
  readonly state: SagaState;
  readonly version: number;
  /** The seq of its last log entry. */
  readonly logSeq: number;
  readonly createdAt: Date;
  /** The W3C traceparent of the context it started in; null when it started untraced. */
  readonly traceParent: string | null;
}

/** What a transition writes on the instance: the new state and the columns operators query. */
export interface SagaRow {
  readonly status: SagaStatus;
  readonly currentStep: string | null;
  readonly awaitingCommandId: string | null;
  readonly deadlineAt: Date | null;
  readonly state: SagaState;
}

/** One entry to append to a saga's log. */
export interface SagaLogRow {
  readonly type: string;
  readonly stepId: string | null;
  readonly commandId: string | null;
  readonly causeMessageId: string | null;
  readonly data: Record<string, unknown>;
}

// The saga schema's hot path in plain SQL, one round trip per call, each a prepared statement. Queries
// off a message's path (the views, the admin routes) go through TypeORM.

/** Inserts a new instance and its first log entries. */
export async function insertSaga(
  manager: EntityManager,
  saga: Omit<LockedSaga, 'version' | 'logSeq' | 'createdAt'> & SagaRow,
  log: readonly SagaLogRow[],
): Promise<void> {
  const s = schemaOf(manager.connection);
  await preparedQuery(
    manager,
    `WITH saga AS (
         INSERT INTO "${s}".saga_instances (id, definition_name, definition_version, definition_fingerprint,
                correlation_id, status, current_step, awaiting_command_id, deadline_at, state, version, log_seq,
                trace_parent)
         VALUES ($1, $2, $3, $12, $4, $5, $6, $7, $8, $9, 0, $10, $13)
       )
       ${appendLogSql(s, '$1', '$5', '$11')}`,
    [
      saga.id,
      saga.definitionName,
      saga.definitionVersion,
      saga.correlationId,
      saga.status,
      saga.currentStep,
      saga.awaitingCommandId,
      saga.deadlineAt,
      JSON.stringify(saga.state),
      log.length,
      logJson(log, 0),
      saga.definitionFingerprint,
      saga.traceParent,
    ],
  );
}

/** Reads an instance and locks it until the transaction ends; undefined when there is none. */
export async function lockSaga(manager: EntityManager, sagaId: string): Promise<LockedSaga | undefined> {
  const { rows } = await preparedQuery<LockedSaga>(
    manager,
    `SELECT ${lockedColumns} FROM "${schemaOf(manager.connection)}".saga_instances WHERE id = $1 FOR UPDATE`,
    [sagaId],
  );
  return rows[0];
}

/**
 * Claims the saga of this definition whose deadline passed longest ago and that no other transaction
 * holds, locking it until the transaction ends: orchestrator replicas scanning together never take the
 * same one, and the orchestrator of another saga in the same schema never takes it at all.
 */
export async function claimOverdueSaga(
  manager: EntityManager,
  definitionName: string,
  now: Date,
): Promise<LockedSaga | undefined> {
  const { rows } = await preparedQuery<LockedSaga>(
    manager,
    `SELECT ${lockedColumns} FROM "${schemaOf(manager.connection)}".saga_instances
        WHERE awaiting_command_id IS NOT NULL AND deadline_at <= $1 AND definition_name = $2
        ORDER BY deadline_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [now, definitionName],
  );
  return rows[0];
}

/** A transition to save: the instance, the version it was decided from, its new row. */
export type SagaTransition = {
  readonly id: string;
  readonly expectedVersion: number;
  readonly logSeq: number;
} & SagaRow;

/**
 * Saves a transition of a locked instance, if its version is still `expectedVersion`, with its log
 * entries numbered on from `logSeq`; false when the version had moved (nothing is written then).
 */
export async function saveTransition(
  manager: EntityManager,
  saga: SagaTransition,
  log: readonly SagaLogRow[],
): Promise<boolean> {
  const values: unknown[] = [];
  const text = `WITH ${transitionCtes({ schema: schemaOf(manager.connection), param: placeholders(values) }, saga, log)}
                SELECT count(*)::int AS saved FROM effect`;
  const { rows } = await preparedQuery<{ saved: number }>(manager, text, values);
  return rows[0]?.saved === 1;
}

/**
 * The same save as the `effect` of a one-statement transition (TransactionalMessaging's
 * applyInOneStatement), decided from a cached state: it applies only if the instance is still at the
 * cached version and the message is `fresh`.
 */
export function transitionEffect(saga: SagaTransition, log: readonly SagaLogRow[]): OneStatementEffect {
  return ({ schema, param, fresh }) => transitionCtes({ schema, param }, saga, log, fresh);
}

// `effect` updates the instance (returning a row when it did), `log` appends the entries if it did.
function transitionCtes(
  { schema, param }: { schema: string; param: Param },
  saga: SagaTransition,
  log: readonly SagaLogRow[],
  when = 'true',
): string {
  const id = param(saga.id);
  const status = param(saga.status);
  return `effect AS (
      UPDATE "${schema}".saga_instances
         SET status = ${status}::text, current_step = ${param(saga.currentStep)}::text,
             awaiting_command_id = ${param(saga.awaitingCommandId)}::uuid,
             deadline_at = ${param(saga.deadlineAt)}::timestamptz, state = ${param(JSON.stringify(saga.state))}::jsonb,
             version = version + 1, log_seq = log_seq + ${param(log.length)}::int, updated_at = now()
       WHERE id = ${id}::uuid AND version = ${param(saga.expectedVersion)}::int AND ${when}
      RETURNING id
    ), log AS (
      ${appendLogSql(schema, id, status, param(logJson(log, saga.logSeq)))} AND EXISTS (SELECT 1 FROM effect)
    )`;
}

const lockedColumns = `id, definition_name AS "definitionName", definition_version AS "definitionVersion",
  definition_fingerprint AS "definitionFingerprint", correlation_id AS "correlationId", status, state, version,
  log_seq AS "logSeq", created_at AS "createdAt", trace_parent AS "traceParent"`;

// Appends the entries of a JSON array parameter to the log of saga `id`, each with the status after
// the transition. Ends in a WHERE clause, so a caller may add conditions.
function appendLogSql(schema: string, id: string, status: string, entries: string): string {
  return `INSERT INTO "${schema}".saga_events (saga_id, seq, type, step_id, command_id, cause_message_id, status_after, data)
          SELECT ${id}::uuid, e.seq, e.type, e.step_id, e.command_id, e.cause_message_id, ${status}::text, e.data
            FROM json_to_recordset(${entries}::json)
              AS e(seq int, type text, step_id text, command_id uuid, cause_message_id uuid, data jsonb)
           WHERE true`;
}

function logJson(log: readonly SagaLogRow[], afterSeq: number): string {
  return JSON.stringify(
    log.map((entry, i) => ({
      seq: afterSeq + i + 1,
      type: entry.type,
      step_id: entry.stepId,
      command_id: entry.commandId,
      cause_message_id: entry.causeMessageId,
      data: entry.data,
    })),
  );
}
