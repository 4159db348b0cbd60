import { z } from 'zod';
import { Role, staff } from '@saga/identity';
import type { HttpApp, ServiceContext } from '@saga/runtime';
import { definitionVersions, pendingDeadlines, sagaLogAfter, sagaStats } from '@saga/saga';
import type { SagaRouter } from '../saga/saga-router';

const operators = { access: staff(Role.Operator) };
const day = 86_400_000;

const StatsQuery = z.object({ since: z.coerce.date().optional(), until: z.coerce.date().optional() });
const LogQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,19}$/, { error: 'expected a log entry id' })
    .optional(),
  sagaId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
const DeadlinesQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

const StatsView = z.object({
  since: z.string(),
  until: z.string(),
  definitions: z.array(
    z.object({
      definition: z.string(),
      byStatus: z.record(z.string(), z.number()),
      durationMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
      topFailures: z.array(
        z.object({ kind: z.enum(['failed', 'stalled']), stepId: z.string(), reason: z.string(), count: z.number() }),
      ),
    }),
  ),
});
const LogView = z.object({
  events: z.array(
    z.object({
      id: z.string(),
      sagaId: z.string(),
      definition: z.string(),
      correlationId: z.string(),
      seq: z.number(),
      type: z.string(),
      stepId: z.string().nullable(),
      commandId: z.string().nullable(),
      statusAfter: z.string(),
      data: z.unknown(),
      at: z.string(),
    }),
  ),
});
const VersionsView = z.object({
  definitions: z.array(
    z.object({
      name: z.string(),
      version: z.number(),
      fingerprint: z.string().nullable(),
      steps: z.unknown(),
      registeredAt: z.string().nullable(),
      live: z.number(),
      total: z.number(),
      /** Whether this build runs it; new sagas start on the latest it runs. */
      runHere: z.boolean(),
      latest: z.boolean(),
    }),
  ),
});
const DeadlinesView = z.object({
  deadlines: z.array(
    z.object({
      sagaId: z.string(),
      definition: z.string(),
      correlationId: z.string(),
      stepId: z.string(),
      phase: z.string(),
      commandType: z.string(),
      commandId: z.string(),
      attempt: z.number(),
      sentAt: z.string(),
      deadlineAt: z.string(),
    }),
  ),
});

/** What operators read across sagas: statistics, the log as it grows, the versions and the deadlines. */
export function registerSagaReportRoutes(
  app: HttpApp,
  { dataSource, sagas }: Pick<ServiceContext, 'dataSource'> & { sagas: Pick<SagaRouter, 'named'> },
): void {
  app.get(
    '/sagas/stats',
    { config: operators, schema: { querystring: StatsQuery, response: { 200: StatsView } } },
    async (request) => {
      const until = request.query.until ?? new Date();
      const since = request.query.since ?? new Date(until.getTime() - day);
      const definitions = await sagaStats(dataSource.manager, { since, until });
      return { since: since.toISOString(), until: until.toISOString(), definitions };
    },
  );

  app.get(
    '/saga-log',
    { config: operators, schema: { querystring: LogQuery, response: { 200: LogView } } },
    async (request) => {
      const events = await sagaLogAfter(dataSource.manager, request.query);
      return { events: events.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  );

  app.get('/saga-definitions', { config: operators, schema: { response: { 200: VersionsView } } }, async () => {
    const versions = await definitionVersions(dataSource.manager);
    return {
      definitions: versions.map((v) => {
        const orchestrator = sagas.named(v.name);
        return {
          ...v,
          registeredAt: v.registeredAt ? new Date(v.registeredAt).toISOString() : null,
          runHere: orchestrator?.version(v.version) !== undefined,
          latest: orchestrator?.latest.version === v.version,
        };
      }),
    };
  });

  app.get(
    '/deadlines',
    { config: operators, schema: { querystring: DeadlinesQuery, response: { 200: DeadlinesView } } },
    async (request) => {
      const deadlines = await pendingDeadlines(dataSource.manager, request.query.limit);
      return { deadlines: deadlines.map((d) => ({ ...d, deadlineAt: d.deadlineAt.toISOString() })) };
    },
  );
}
