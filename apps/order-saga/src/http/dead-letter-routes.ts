import { z } from 'zod';
import { identifier, personText, Queues, SagaReply, sagaReplyType, type QueueSpec } from '@saga/contracts';
import type { Broker, DeadLetterMessage, ReplayGuard } from '@saga/messaging';
import { Role, staff } from '@saga/identity';
import type { Logger } from '@saga/observability';
import { callerOf, HttpProblem, type HttpApp, type ServiceContext } from '@saga/runtime';
import { isTerminal, SagaInstance, SagaLogType } from '@saga/saga';
import type { DataSource } from 'typeorm';
import type { SagaRouter } from '../saga/saga-router';

const operators = { access: staff(Role.Operator) };
const queuesByName = new Map<string, QueueSpec>(Object.values(Queues).map((q) => [q.name, q]));
const QueueName = z.enum([...queuesByName.keys()] as [string, ...string[]]);
const Filter = {
  sagaId: z.uuid().optional(),
  step: identifier(100).optional(),
  messageType: identifier(100).optional(),
  messageId: z.uuid().optional(),
};
const ListQuery = z.object({
  queue: QueueName.optional(),
  ...Filter,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const ShowParams = z.object({ messageId: z.uuid() });
const ShowQuery = z.object({ queue: QueueName.optional() });
const ActBody = z.object({
  queue: QueueName,
  ...Filter,
  reason: personText(500),
  /** Replay even what its saga no longer waits for; the log says it was forced. */
  force: z.boolean().default(false),
});

const DeadLetterView = z.object({
  messageId: z.string().nullable(),
  type: z.string().nullable(),
  sagaId: z.string().nullable(),
  step: z.string().nullable(),
  reason: z.string(),
  error: z.string().nullable(),
  attempts: z.number().nullable(),
  failedAt: z.string().nullable(),
  originalRoutingKey: z.string().nullable(),
  sender: z.string().nullable(),
});
const DeadLetterDetail = DeadLetterView.extend({
  queue: z.string(),
  headers: z.record(z.string(), z.unknown()),
  body: z.unknown(),
});
const ReplayView = z.object({
  queue: z.string(),
  forced: z.boolean(),
  replayed: z.array(DeadLetterView),
  stale: z.array(z.object({ deadLetter: DeadLetterView, why: z.string() })),
});
const PurgeView = z.object({ queue: z.string(), purged: z.array(DeadLetterView) });

/**
 * The dead-letter queues for operators: list, show one, replay and purge, by queue, saga, step, type or
 * message. A replay is guarded by the saga's state: a dead-lettered command or reply goes back only
 * while its saga still waits for that very command, unless forced. Each replay and purge is noted in
 * the log of every saga it touched, with who and why.
 */
export function registerDeadLetterRoutes(
  app: HttpApp,
  context: { sagas: Pick<SagaRouter, 'ofSaga'>; broker: Broker } & Pick<ServiceContext, 'dataSource' | 'logger'>,
): void {
  const { broker, dataSource } = context;

  app.get(
    '/admin/dead-letters',
    {
      config: operators,
      schema: {
        querystring: ListQuery,
        response: {
          200: z.object({ queues: z.array(z.object({ queue: z.string(), deadLetters: z.array(DeadLetterView) })) }),
        },
      },
    },
    async (request) => {
      const { queue, limit, ...filter } = request.query;
      const specs = queue ? [queuesByName.get(queue)!] : [...queuesByName.values()];
      const queues = await Promise.all(
        specs.map(async (spec) => ({
          queue: spec.name,
          deadLetters: (await broker.deadLetters(spec, { filter, limit })).map(summary),
        })),
      );
      return { queues };
    },
  );

  app.get(
    '/admin/dead-letters/:messageId',
    { config: operators, schema: { params: ShowParams, querystring: ShowQuery, response: { 200: DeadLetterDetail } } },
    async (request) => {
      const { messageId } = request.params;
      const specs = request.query.queue ? [queuesByName.get(request.query.queue)!] : [...queuesByName.values()];
      for (const spec of specs) {
        const [found] = await broker.deadLetters(spec, { filter: { messageId }, limit: 1 });
        if (found) return { queue: spec.name, ...found };
      }
      throw HttpProblem.notFound(`no dead letter ${messageId} on ${request.query.queue ?? 'any queue'}`);
    },
  );

  app.post(
    '/admin/dead-letters/replay',
    { config: operators, schema: { body: ActBody, response: { 200: ReplayView } } },
    async (request) => {
      const { queue, reason, force, ...filter } = request.body;
      const spec = queuesByName.get(queue)!;
      const guard = force ? undefined : stillAwaited(dataSource);
      const report = await broker.replayDeadLetters(spec, { filter, guard });
      const operator = { actor: callerOf(request).userId, reason };
      await noteInSagaLogs(context, report.replayed, { type: SagaLogType.DeadLetterReplayed, queue, force, operator });
      return {
        queue,
        forced: force,
        replayed: report.replayed.map(summary),
        stale: report.stale.map(({ deadLetter, why }) => ({ deadLetter: summary(deadLetter), why })),
      };
    },
  );

  app.post(
    '/admin/dead-letters/purge',
    { config: operators, schema: { body: ActBody.omit({ force: true }), response: { 200: PurgeView } } },
    async (request) => {
      const { queue, reason, ...filter } = request.body;
      const purged = await broker.purgeDeadLetters(queuesByName.get(queue)!, filter);
      const operator = { actor: callerOf(request).userId, reason };
      await noteInSagaLogs(context, purged, { type: SagaLogType.DeadLetterPurged, queue, force: false, operator });
      return { queue, purged: purged.map(summary) };
    },
  );
}

/**
 * Admits a dead letter whose saga still waits for it: a command the saga awaits (by its id), or the
 * reply to one. Anything else with a saga is stale; a message of no saga (an event) has nothing to check.
 */
function stillAwaited(dataSource: DataSource): ReplayGuard {
  // Read once per saga, however many of its letters the replay meets.
  const sagas = new Map<string, Promise<SagaInstance | null>>();
  return async (deadLetter) => {
    if (!deadLetter.sagaId) return true;
    const id = deadLetter.sagaId;
    if (!sagas.has(id)) sagas.set(id, dataSource.getRepository(SagaInstance).findOneBy({ id }));
    const saga = await sagas.get(id)!;
    if (!saga) return `saga ${deadLetter.sagaId} does not exist`;
    const awaited = commandAnsweredBy(deadLetter) ?? deadLetter.messageId;
    if (saga.state.awaiting?.commandId === awaited) return true;
    if (isTerminal(saga.status)) return `its saga is ${saga.status}`;
    const awaiting = saga.state.awaiting;
    if (!awaiting) return `its saga is ${saga.status} and waits for no command (retry the saga instead)`;
    return `its saga waits for ${awaiting.commandType} ${awaiting.commandId} at ${awaiting.stepId}, not this message`;
  };
}

/** The command a dead-lettered reply answers, or undefined for any other message. */
function commandAnsweredBy(deadLetter: DeadLetterMessage): string | undefined {
  if (deadLetter.type !== sagaReplyType) return undefined;
  const payload = (deadLetter.body as { payload?: unknown } | null)?.payload;
  const parsed = SagaReply.safeParse(payload);
  return parsed.success ? parsed.data.commandId : undefined;
}

/** One entry per saga touched, listing its dead letters; letters of no saga are only in the service log. */
async function noteInSagaLogs(
  { sagas, dataSource, logger }: { sagas: Pick<SagaRouter, 'ofSaga'>; dataSource: DataSource; logger: Logger },
  deadLetters: readonly DeadLetterMessage[],
  what: { type: string; queue: string; force: boolean; operator: { actor: string; reason: string } },
): Promise<void> {
  const bySaga = new Map<string, DeadLetterMessage[]>();
  for (const letter of deadLetters) {
    if (letter.sagaId) bySaga.set(letter.sagaId, [...(bySaga.get(letter.sagaId) ?? []), letter]);
  }
  const action = what.type === SagaLogType.DeadLetterReplayed ? 'dlq replay' : 'dlq purge';
  logger.warn(`operator ${action}`, {
    queue: what.queue,
    actor: what.operator.actor,
    reason: what.operator.reason,
    forced: what.force,
    messages: deadLetters.map((d) => d.messageId),
  });
  for (const [sagaId, letters] of bySaga) {
    const orchestrator = (await sagas.ofSaga(dataSource.manager, sagaId))?.orchestrator;
    if (!orchestrator) continue;
    await orchestrator.note(
      sagaId,
      {
        type: what.type as SagaLogType,
        stepId: letters[0].step,
        commandId: null,
        data: {
          queue: what.queue,
          forced: what.force,
          messages: letters.map((d) => ({ messageId: d.messageId, type: d.type })),
        },
      },
      { ...what.operator, action },
    );
  }
}

function summary(deadLetter: DeadLetterMessage): z.infer<typeof DeadLetterView> {
  const { headers: _headers, body: _body, ...view } = deadLetter;
  return view;
}
