import type { EntityManager } from 'typeorm';
import { schemaOf } from '@saga/persistence';
import { SagaStatus } from '../engine/state';
import { SagaEvent } from '../store/saga-event.entity';
import { SagaInstance } from '../store/saga-instance.entity';

// What operators ask of the saga schema, off any message's path: lists, counts, the log as a stream,
// the versions and the deadlines. Each is one or two queries an index serves.

const finished = [SagaStatus.Completed, SagaStatus.Failed, SagaStatus.Killed];

/** Which sagas to list; every field given must hold. */
export interface SagaListFilter {
  readonly statuses?: readonly SagaStatus[];
  /** The business ids (an order's id, a refund's id). */
  readonly correlationIds?: readonly string[];
  /** Started at or after. */
  readonly since?: Date;
  /** Started before. */
  readonly until?: Date;
  /** Waits on (or stalled at) this step. */
  readonly step?: string;
  readonly definition?: string;
  readonly version?: number;
  /** Not finished, and unchanged for at least this long. */
  readonly stuckForMs?: number;
  readonly limit: number;
  /** Where the previous page ended (its `next`). */
  readonly after?: string;
}

/** Sagas newest first, a page at a time: `next` continues the list, null at its end. */
export async function listSagas(
  manager: EntityManager,
  filter: SagaListFilter,
): Promise<{ sagas: SagaInstance[]; next: string | null }> {
  const query = manager.getRepository(SagaInstance).createQueryBuilder('saga');
  if (filter.statuses?.length) query.andWhere('saga.status IN (:...statuses)', { statuses: filter.statuses });
  if (filter.correlationIds?.length) {
    // Every definition name is given, so the unique index on (definition_name, correlation_id) serves it.
    const names = filter.definition ? [filter.definition] : await definitionNames(manager);
    query
      .andWhere('saga.definitionName IN (:...names)', { names: names.length ? names : [''] })
      .andWhere('saga.correlationId IN (:...ids)', { ids: filter.correlationIds });
  } else if (filter.definition) {
    query.andWhere('saga.definitionName = :definition', { definition: filter.definition });
  }
  if (filter.version !== undefined) query.andWhere('saga.definitionVersion = :version', { version: filter.version });
  if (filter.since) query.andWhere('saga.createdAt >= :since', { since: filter.since });
  if (filter.until) query.andWhere('saga.createdAt < :until', { until: filter.until });
  if (filter.step) query.andWhere('saga.currentStep = :step', { step: filter.step });
  if (filter.stuckForMs !== undefined) {
    query
      .andWhere('saga.status NOT IN (:...finished)', { finished })
      .andWhere(`saga.updatedAt <= now() - make_interval(secs => :stuck)`, { stuck: filter.stuckForMs / 1000 });
  }
  const after = filter.after ? cursorOf(filter.after) : undefined;
  if (after) {
    query.andWhere('(saga.createdAt, saga.id) < (:createdAt, :id)', { createdAt: after.createdAt, id: after.id });
  }
  const rows = await query
    .orderBy('saga.createdAt', 'DESC')
    .addOrderBy('saga.id', 'DESC')
    .take(filter.limit + 1)
    .getMany();
  const sagas = rows.slice(0, filter.limit);
  const last = sagas.at(-1);
  return { sagas, next: rows.length > filter.limit && last ? cursorFor(last) : null };
}

/** Thrown for a `next` this API did not give out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('the cursor is not one a saga list gave out');
    this.name = 'InvalidCursorError';
  }
}

function cursorFor(saga: SagaInstance): string {
  return Buffer.from(JSON.stringify([saga.createdAt.toISOString(), saga.id])).toString('base64url');
}

function cursorOf(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const at = new Date(createdAt);
    if (Number.isNaN(at.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw new InvalidCursorError();
    return { createdAt: at, id };
  } catch {
    throw new InvalidCursorError();
  }
}

async function definitionNames(manager: EntityManager): Promise<string[]> {
  const rows = await manager.query<{ name: string }[]>(
    `SELECT DISTINCT name FROM "${schemaOf(manager.connection)}".saga_definitions`,
  );
  return rows.map((row) => row.name);
}

/** How many sagas are in each status, per definition, as they are now (kept until retention deletes them). */
export async function sagasByStatus(
  manager: EntityManager,
): Promise<{ definition: string; status: string; count: number }[]> {
  return manager.query(
    `SELECT definition_name AS definition, status, count(*)::int AS count
       FROM "${schemaOf(manager.connection)}".saga_instances GROUP BY 1, 2`,
  );
}

/** What `saga stats` shows of the sagas started in a window, per definition. */
export interface SagaStats {
  readonly definition: string;
  readonly byStatus: Readonly<Record<string, number>>;
  /** From start to the last transition, of the sagas that finished (COMPLETED or FAILED); null if none. */
  readonly durationMs: { readonly p50: number; readonly p95: number; readonly p99: number } | null;
  /** Why sagas failed or stopped for a person, most frequent first. */
  readonly topFailures: {
    readonly kind: 'failed' | 'stalled';
    readonly stepId: string;
    readonly reason: string;
    readonly count: number;
  }[];
}

export async function sagaStats(
  manager: EntityManager,
  window: { readonly since: Date; readonly until: Date },
  topFailures = 5,
): Promise<SagaStats[]> {
  const s = schemaOf(manager.connection);
  const where = `created_at >= $1 AND created_at < $2`;
  const params = [window.since, window.until];
  const [counts, durations, failures] = await Promise.all([
    manager.query<{ definition: string; status: string; count: number }[]>(
      `SELECT definition_name AS definition, status, count(*)::int AS count
         FROM "${s}".saga_instances WHERE ${where} GROUP BY 1, 2`,
      params,
    ),
    manager.query<{ definition: string; p: number[] }[]>(
      `SELECT definition_name AS definition,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
                ORDER BY extract(epoch FROM updated_at - created_at) * 1000) AS p
         FROM "${s}".saga_instances WHERE ${where} AND status IN ('${SagaStatus.Completed}', '${SagaStatus.Failed}')
        GROUP BY 1`,
      params,
    ),
    manager.query<{ definition: string; kind: 'failed' | 'stalled'; step: string; reason: string; count: number }[]>(
      `SELECT definition, kind, step, reason, count FROM (
         SELECT definition, kind, step, reason, count,
                row_number() OVER (PARTITION BY definition ORDER BY count DESC, reason) AS rank
           FROM (
             SELECT definition_name AS definition,
                    CASE WHEN status = '${SagaStatus.Failed}' THEN 'failed' ELSE 'stalled' END AS kind,
                    coalesce(state->'failure'->>'stepId', state->'stalled'->>'stepId', '') AS step,
                    left(coalesce(state->'failure'->>'code', state->'stalled'->>'reason', ''), 200) AS reason,
                    count(*)::int AS count
               FROM "${s}".saga_instances
              WHERE ${where} AND status IN ('${SagaStatus.Failed}', '${SagaStatus.RequiresAttention}')
              GROUP BY 1, 2, 3, 4
           ) grouped
       ) ranked WHERE rank <= ${Math.trunc(topFailures)} ORDER BY definition, count DESC, reason`,
      params,
    ),
  ]);
  const definitions = [...new Set(counts.map((row) => row.definition))].sort();
  return definitions.map((definition) => {
    const p = durations.find((row) => row.definition === definition)?.p;
    return {
      definition,
      byStatus: Object.fromEntries(
        counts.filter((row) => row.definition === definition).map((row) => [row.status, row.count]),
      ),
      durationMs: p ? { p50: Math.round(p[0]), p95: Math.round(p[1]), p99: Math.round(p[2]) } : null,
      topFailures: failures
        .filter((row) => row.definition === definition)
        .map(({ kind, step, reason, count }) => ({ kind, stepId: step, reason, count })),
    };
  });
}

/** One transition of the log, with the saga it belongs to, for `saga watch`. */
export interface SagaLogLine {
  readonly id: string;
  readonly sagaId: string;
  readonly definition: string;
  readonly correlationId: string;
  readonly seq: number;
  readonly type: string;
  readonly stepId: string | null;
  readonly commandId: string | null;
  readonly statusAfter: string;
  readonly data: Record<string, unknown>;
  readonly at: Date;
}

/**
 * Log entries after `after` (an entry id), oldest first; without `after`, the latest `limit`. Entry ids
 * come from a sequence: one committed late may appear below ids already seen, so a follower reads again
 * from a little behind what it saw and drops what it already showed.
 */
export async function sagaLogAfter(
  manager: EntityManager,
  { after, sagaId, limit }: { readonly after?: string; readonly sagaId?: string; readonly limit: number },
): Promise<SagaLogLine[]> {
  const query = manager
    .getRepository(SagaEvent)
    .createQueryBuilder('e')
    .innerJoin(SagaInstance, 'saga', 'saga.id = e.sagaId')
    .select(['e.id AS id', 'e.sagaId AS "sagaId"', 'saga.definitionName AS definition'])
    .addSelect(['saga.correlationId AS "correlationId"', 'e.seq AS seq', 'e.type AS type', 'e.stepId AS "stepId"'])
    .addSelect(['e.commandId AS "commandId"', 'e.statusAfter AS "statusAfter"', 'e.data AS data', 'e.at AS at']);
  if (sagaId) query.andWhere('e.sagaId = :sagaId', { sagaId });
  if (after !== undefined) {
    const rows = await query.andWhere('e.id > :after', { after }).orderBy('e.id', 'ASC').limit(limit).getRawMany();
    return rows.map(logLineOf);
  }
  const rows = await query.orderBy('e.id', 'DESC').limit(limit).getRawMany();
  return rows.reverse().map(logLineOf);
}

function logLineOf(row: Record<string, unknown>): SagaLogLine {
  return { ...(row as unknown as SagaLogLine), id: String(row.id), at: new Date(row.at as string) };
}

/** A definition version, what it is made of and how many of its sagas there are. */
export interface DefinitionVersion {
  readonly name: string;
  readonly version: number;
  readonly fingerprint: string | null;
  readonly steps: unknown;
  readonly registeredAt: Date | null;
  /** Sagas on it that are not finished. */
  readonly live: number;
  readonly total: number;
}

/** Every version that ran or has sagas, with its live and total instances. */
export async function definitionVersions(manager: EntityManager): Promise<DefinitionVersion[]> {
  const s = schemaOf(manager.connection);
  const rows = await manager.query<(Omit<DefinitionVersion, 'registeredAt'> & { registeredAt: Date | null })[]>(
    `WITH counts AS (
       SELECT definition_name AS name, definition_version AS version,
              count(*) FILTER (WHERE status <> ALL($1::text[]))::int AS live, count(*)::int AS total
         FROM "${s}".saga_instances GROUP BY 1, 2
     )
     SELECT coalesce(d.name, c.name) AS name, coalesce(d.version, c.version) AS version, d.fingerprint, d.steps,
            d.registered_at AS "registeredAt", coalesce(c.live, 0) AS live, coalesce(c.total, 0) AS total
       FROM "${s}".saga_definitions d FULL JOIN counts c ON c.name = d.name AND c.version = d.version
      ORDER BY 1, 2`,
    [finished],
  );
  return rows;
}

/** A command a saga waits for, and when its deadline passes. */
export interface PendingDeadline {
  readonly sagaId: string;
  readonly definition: string;
  readonly correlationId: string;
  readonly stepId: string;
  readonly phase: string;
  readonly commandType: string;
  readonly commandId: string;
  readonly attempt: number;
  readonly sentAt: string;
  readonly deadlineAt: Date;
}

/** The deadlines still to pass or act on, soonest first. */
export async function pendingDeadlines(manager: EntityManager, limit: number): Promise<PendingDeadline[]> {
  const rows = await manager
    .getRepository(SagaInstance)
    .createQueryBuilder('saga')
    .where('saga.awaitingCommandId IS NOT NULL')
    .orderBy('saga.deadlineAt', 'ASC')
    .take(limit)
    .getMany();
  return rows.flatMap((saga) => {
    const awaiting = saga.state.awaiting;
    if (!awaiting || !saga.deadlineAt) return [];
    return [
      {
        sagaId: saga.id,
        definition: `${saga.definitionName}@${saga.definitionVersion}`,
        correlationId: saga.correlationId,
        stepId: awaiting.stepId,
        phase: awaiting.phase,
        commandType: awaiting.commandType,
        commandId: awaiting.commandId,
        attempt: awaiting.attempt,
        sentAt: awaiting.sentAt,
        deadlineAt: saga.deadlineAt,
      },
    ];
  });
}
