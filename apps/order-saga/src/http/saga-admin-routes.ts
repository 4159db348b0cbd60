import { z } from 'zod';
import { Queues, type QueueSpec, identifier } from '@saga/contracts';
import type { Broker } from '@saga/messaging';
import { Role, staff } from '@saga/identity';
import { HttpProblem, type HttpApp } from '@saga/runtime';
import { SagaInstance, SagaNotFoundError, SagaNotResumableError } from '@saga/saga';
import type { DataSource } from 'typeorm';
import type { SagaRouter } from '../saga/saga-router';

const SagaIdParams = z.object({ id: z.uuid() });
const queuesByName = new Map<string, QueueSpec>(Object.values(Queues).map((q) => [q.name, q]));
const QueueName = z.enum([...queuesByName.keys()] as [string, ...string[]]);
const DeadLettersQuery = z.object({
  queue: QueueName.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const ReplayBody = z.object({
  queue: QueueName,
  sagaId: z.uuid().optional(),
  step: identifier(100).optional(),
  messageType: identifier(100).optional(),
});

const operators = { access: staff(Role.Operator) };

/** Operator actions on sagas and dead letters: each needs the operator role. */
export function registerSagaAdminRoutes(
  app: HttpApp,
  { sagas, dataSource, broker }: { sagas: Pick<SagaRouter, 'named'>; dataSource: DataSource; broker: Broker },
): void {
  app.get('/admin/dead-letters', { config: operators, schema: { querystring: DeadLettersQuery } }, async (request) => {
    const { queue, limit } = request.query;
    const specs = queue ? [queuesByName.get(queue)!] : [...queuesByName.values()];
    const queues = await Promise.all(
      specs.map(async (spec) => ({ queue: spec.name, deadLetters: await broker.deadLetters(spec, { limit }) })),
    );
    return { queues };
  });

  app.post('/admin/dead-letters/replay', { config: operators, schema: { body: ReplayBody } }, async (request) => {
    const { queue, ...filter } = request.body;
    const replayed = await broker.replayDeadLetters(queuesByName.get(queue)!, filter);
    return { queue, replayed };
  });

  app.post(
    '/admin/sagas/:id/resume',
    { config: operators, schema: { params: SagaIdParams } },
    async (request, reply) => {
      try {
        const saga = await dataSource.getRepository(SagaInstance).findOneBy({ id: request.params.id });
        const orchestrator = saga && sagas.named(saga.definitionName);
        if (!saga) throw new SagaNotFoundError(request.params.id);
        if (!orchestrator)
          throw new SagaNotResumableError(saga.id, `this build runs no saga named ${saga.definitionName}`);
        const status = await orchestrator.resume(request.params.id);
        return reply.status(202).send({ sagaId: request.params.id, status });
      } catch (error) {
        if (error instanceof SagaNotFoundError) throw HttpProblem.notFound(error.message);
        if (error instanceof SagaNotResumableError) throw HttpProblem.conflict(error.message);
        throw error;
      }
    },
  );
}
