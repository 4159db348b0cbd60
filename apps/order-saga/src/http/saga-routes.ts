import { z } from 'zod';
import { identifier } from '@saga/contracts';
import { Role, staff } from '@saga/identity';
import { HttpProblem, type HttpApp, type ServiceContext } from '@saga/runtime';
import { listSagas, remainingStepsOf, SagaEvent, SagaInstance, SagaStatus, stepListOf, timelineOf } from '@saga/saga';
import type { SagaRouter } from '../saga/saga-router';
import { asOperatorProblem } from './operator-errors';

const statuses = Object.values(SagaStatus) as [SagaStatus, ...SagaStatus[]];
/** A comma-separated list in a query string: `status=FAILED,REQUIRES_ATTENTION`. */
const listOf = <T extends z.ZodType<unknown, string>>(item: T, max: number) =>
  z
    .string()
    .max(max * 250)
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1).max(max));

const SagaIdParams = z.object({ id: z.uuid() });
const ListQuery = z.object({
  status: listOf(z.enum(statuses), statuses.length).optional(),
  /** Business ids: an order's, a refund's. */
  correlationId: listOf(identifier(200), 50).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  step: identifier(100).optional(),
  definition: identifier(100).optional(),
  version: z.coerce.number().int().min(1).max(1_000_000).optional(),
  stuckForMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(10 * 365 * 86_400_000)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.string().max(200).optional(),
});

const SagaSummary = z.object({
  id: z.uuid(),
  definition: z.string(),
  correlationId: z.string(),
  status: z.enum(statuses),
  currentStep: z.string().nullable(),
  deadlineAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const outcomes = [
  'succeeded',
  'failed',
  'timed-out',
  'skipped',
  'marked-done',
  'abandoned',
  'waiting',
  'stalled',
] as const;
const TimelineBar = z.object({
  stepId: z.string(),
  phase: z.enum(['action', 'compensation']),
  kind: z.string().nullable(),
  commandType: z.string().nullable(),
  commandId: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  attempts: z.number(),
  outcome: z.enum(outcomes),
  error: z.unknown(),
  changes: z.record(z.string(), z.unknown()).nullable(),
  history: z.array(
    z.object({
      commandId: z.string(),
      attempt: z.number(),
      sentAt: z.string(),
      endedAt: z.string().nullable(),
      outcome: z.enum(outcomes),
      error: z.unknown(),
    }),
  ),
});
const OperatorEntry = z.object({
  at: z.string(),
  action: z.string(),
  actor: z.string(),
  reason: z.string(),
  type: z.string(),
  stepId: z.string().nullable(),
});
const Position = z.object({ stepId: z.string(), phase: z.enum(['action', 'compensation']) });
const SagaDetail = SagaSummary.extend({
  state: z.unknown(),
  events: z.array(
    z.object({
      seq: z.number(),
      type: z.string(),
      stepId: z.string().nullable(),
      commandId: z.string().nullable(),
      causeMessageId: z.string().nullable(),
      statusAfter: z.string(),
      data: z.unknown(),
      at: z.string(),
    }),
  ),
  /** One bar per step action and compensation, on a shared time axis. */
  timeline: z.array(TimelineBar),
  operatorActions: z.array(OperatorEntry),
  /** The steps, or compensations, still to run; null when this build does not run its version. */
  remaining: z.array(Position).nullable(),
  steps: z
    .array(z.object({ id: z.string(), kind: z.string(), action: z.string(), compensation: z.string().nullable() }))
    .nullable(),
});

const operators = { access: staff(Role.Operator) };

/** Sagas for operators: a filtered list, newest first, and one saga with its log drawn as a timeline. */
export function registerSagaRoutes(
  app: HttpApp,
  { dataSource, sagas }: Pick<ServiceContext, 'dataSource'> & { sagas: Pick<SagaRouter, 'named'> },
): void {
  app.get(
    '/sagas',
    {
      config: operators,
      schema: {
        querystring: ListQuery,
        response: { 200: z.object({ sagas: z.array(SagaSummary), next: z.string().nullable() }) },
      },
    },
    (request) =>
      asOperatorProblem(async () => {
        const { status, correlationId, ...rest } = request.query;
        const page = await listSagas(dataSource.manager, { ...rest, statuses: status, correlationIds: correlationId });
        return { sagas: page.sagas.map(summary), next: page.next };
      }),
  );

  app.get(
    '/sagas/:id',
    { config: operators, schema: { params: SagaIdParams, response: { 200: SagaDetail } } },
    async (request) => {
      const saga = await dataSource.getRepository(SagaInstance).findOneBy({ id: request.params.id });
      if (!saga) throw HttpProblem.notFound(`saga ${request.params.id} does not exist`);
      const events = await dataSource
        .getRepository(SagaEvent)
        .find({ where: { sagaId: saga.id }, order: { seq: 'ASC' } });
      const definition = sagas.named(saga.definitionName)?.version(saga.definitionVersion);
      const { bars, operatorActions } = timelineOf(events, saga.state);
      return {
        ...summary(saga),
        state: saga.state,
        events: events.map((e) => ({
          seq: e.seq,
          type: e.type,
          stepId: e.stepId,
          commandId: e.commandId,
          causeMessageId: e.causeMessageId,
          statusAfter: e.statusAfter,
          data: e.data,
          at: e.at.toISOString(),
        })),
        timeline: bars.map((bar) => ({
          ...bar,
          kind: definition?.steps.find((s) => s.id === bar.stepId)?.kind ?? null,
        })),
        operatorActions,
        remaining: definition ? remainingStepsOf(definition, saga.state) : null,
        steps: definition ? stepListOf(definition.steps) : null,
      };
    },
  );
}

export function summary(saga: SagaInstance): z.infer<typeof SagaSummary> {
  return {
    id: saga.id,
    definition: `${saga.definitionName}@${saga.definitionVersion}`,
    correlationId: saga.correlationId,
    status: saga.status,
    currentStep: saga.currentStep,
    deadlineAt: saga.deadlineAt?.toISOString() ?? null,
    createdAt: saga.createdAt.toISOString(),
    updatedAt: saga.updatedAt.toISOString(),
  };
}
