import { z } from 'zod';
import { identifier } from '@saga/contracts';
import { Role, staff } from '@saga/identity';
import { HttpProblem, type HttpApp, type ServiceContext } from '@saga/runtime';
import { SagaEvent, SagaInstance } from '@saga/saga';

const SagaIdParams = z.object({ id: z.uuid() });
const ListQuery = z.object({
  correlationId: identifier(200).optional(),
  status: z.enum(['RUNNING', 'COMPENSATING', 'COMPLETED', 'FAILED', 'REQUIRES_ATTENTION']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const operators = { access: staff(Role.Operator) };

/** Read-only views of saga instances and their logs, for operators. */
export function registerSagaRoutes(app: HttpApp, { dataSource }: Pick<ServiceContext, 'dataSource'>): void {
  app.get('/sagas', { config: operators, schema: { querystring: ListQuery } }, async (request) => {
    const { correlationId, status, limit } = request.query;
    const sagas = await dataSource.getRepository(SagaInstance).find({
      where: { ...(correlationId ? { correlationId } : {}), ...(status ? { status } : {}) },
      order: { createdAt: 'DESC' },
      take: limit,
    });
    return { sagas: sagas.map(summary) };
  });

  app.get('/sagas/:id', { config: operators, schema: { params: SagaIdParams } }, async (request) => {
    const saga = await dataSource.getRepository(SagaInstance).findOneBy({ id: request.params.id });
    if (!saga) throw HttpProblem.notFound(`saga ${request.params.id} does not exist`);
    const events = await dataSource
      .getRepository(SagaEvent)
      .find({ where: { sagaId: saga.id }, order: { seq: 'ASC' } });
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
    };
  });
}

function summary(saga: SagaInstance) {
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
