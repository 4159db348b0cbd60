import { z } from 'zod';
import { HttpProblem, type HttpApp } from '@saga/runtime';
import { SagaNotFoundError, SagaNotResumableError, type OrderSagaContext, type SagaOrchestrator } from '@saga/saga';

const SagaIdParams = z.object({ id: z.uuid() });

/** Operator actions on sagas (no authentication: keep /admin behind a gateway). */
export function registerSagaAdminRoutes(app: HttpApp, orchestrator: SagaOrchestrator<OrderSagaContext>): void {
  app.post('/admin/sagas/:id/resume', { schema: { params: SagaIdParams } }, async (request, reply) => {
    try {
      const status = await orchestrator.resume(request.params.id);
      return reply.status(202).send({ sagaId: request.params.id, status });
    } catch (error) {
      if (error instanceof SagaNotFoundError) throw HttpProblem.notFound(error.message);
      if (error instanceof SagaNotResumableError) throw HttpProblem.conflict(error.message);
      throw error;
    }
  });
}
