import { z } from 'zod';
import { identifier, personText } from '@saga/contracts';
import { Role, staff } from '@saga/identity';
import { callerOf, type HttpApp, type ServiceContext } from '@saga/runtime';
import {
  ForcedCompensation,
  maxDeadlineExtensionMs,
  SagaActionRefusedError,
  SagaNotFoundError,
  SagaStatus,
  type OperatorAct,
  type OperatorOutcome as Outcome,
} from '@saga/saga';
import type { FastifyRequest } from 'fastify';
import type { AnyOrchestrator, SagaRouter } from '../saga/saga-router';
import { asOperatorProblem } from './operator-errors';

const operators = { access: staff(Role.Operator) };
const SagaIdParams = z.object({ id: z.uuid() });
/** Every operator action says why; the reason goes into the saga log with who acted. */
const Why = z.object({ reason: personText(500) });
const SkipBody = Why.extend({
  step: identifier(100),
  /** What the step's command would have replied, for a step whose result later steps read. */
  result: z.unknown().optional(),
});
const CompensateBody = Why.extend({ dryRun: z.boolean().default(false) });
const ExtendBody = Why.extend({ byMs: z.int().min(1).max(maxDeadlineExtensionMs) });

export const OperatorOutcome = z.object({
  sagaId: z.uuid(),
  action: z.string(),
  status: z.enum(Object.values(SagaStatus) as [SagaStatus, ...SagaStatus[]]),
  sent: z.array(z.object({ type: z.string(), stepId: z.string() })),
});
const CompensationPlanView = z.object({
  sagaId: z.uuid(),
  action: z.string(),
  dryRun: z.literal(true),
  failure: z.object({ stepId: z.string(), code: z.string(), message: z.string() }),
  commands: z.array(z.object({ stepId: z.string(), type: z.string(), payload: z.unknown() })),
});

/**
 * The operator's verbs on one saga, each under its row lock, in the saga log with who and why, and
 * refused with a 409 saying why where its state or step kinds forbid it (see libs/saga's
 * operator-actions.ts for what each may do).
 */
export function registerSagaOperatorRoutes(
  app: HttpApp,
  { sagas, dataSource }: { sagas: Pick<SagaRouter, 'ofSaga'> } & Pick<ServiceContext, 'dataSource'>,
): void {
  /** The orchestrator of the saga's definition; a saga this build runs no orchestrator for is refused. */
  async function orchestratorOf(sagaId: string, action: string): Promise<AnyOrchestrator> {
    const found = await sagas.ofSaga(dataSource.manager, sagaId);
    if (!found) throw new SagaNotFoundError(sagaId);
    if (!found.orchestrator) {
      throw new SagaActionRefusedError(sagaId, action, `this build runs no saga named ${found.definitionName}`);
    }
    return found.orchestrator;
  }
  const act = (request: FastifyRequest, reason: string): OperatorAct => ({ actor: callerOf(request).userId, reason });
  const outcome = { 200: OperatorOutcome };

  /** One verb on one saga: its path, its body, and what it asks the saga's orchestrator to do. */
  function verb<Body extends z.ZodType<{ reason: string }>>(
    action: string,
    body: Body,
    run: (orchestrator: AnyOrchestrator, sagaId: string, body: z.infer<Body>, act: OperatorAct) => Promise<Outcome>,
  ): void {
    app.post(
      `/admin/sagas/:id/${action.replace(' ', '/')}`,
      { config: operators, schema: { params: SagaIdParams, body, response: outcome } },
      (request) =>
        asOperatorProblem(async () => {
          const sagaId = request.params.id;
          const orchestrator = await orchestratorOf(sagaId, action);
          // Validated against `body` before the handler runs; the generic hides that from the types.
          const given = request.body as z.infer<Body>;
          return { action, ...(await run(orchestrator, sagaId, given, act(request, given.reason))) };
        }),
    );
  }

  verb('retry', Why, (orchestrator, sagaId, _body, by) => orchestrator.retry(sagaId, by));
  verb('skip', SkipBody, (orchestrator, sagaId, { step, result }, by) =>
    orchestrator.skip(sagaId, { stepId: step, result }, by),
  );
  verb('kill', Why, (orchestrator, sagaId, _body, by) => orchestrator.kill(sagaId, by));
  verb('deadline extend', ExtendBody, (orchestrator, sagaId, { byMs }, by) =>
    orchestrator.extendDeadline(sagaId, byMs, by),
  );
  verb('deadline fire', Why, (orchestrator, sagaId, _body, by) => orchestrator.fireDeadline(sagaId, by));

  for (const how of [ForcedCompensation.Compensate, ForcedCompensation.Cancel]) {
    app.post(
      `/admin/sagas/:id/${how.action}`,
      {
        config: operators,
        schema: {
          params: SagaIdParams,
          body: CompensateBody,
          response: { 200: z.union([OperatorOutcome, CompensationPlanView]) },
        },
      },
      (request) =>
        asOperatorProblem(async () => {
          const sagaId = request.params.id;
          const orchestrator = await orchestratorOf(sagaId, how.action);
          if (request.body.dryRun) {
            const plan = await orchestrator.compensationPlan(sagaId, how);
            return { sagaId, action: how.action, dryRun: true as const, ...plan };
          }
          return {
            action: how.action,
            ...(await orchestrator.compensate(sagaId, how, act(request, request.body.reason))),
          };
        }),
    );
  }
}
