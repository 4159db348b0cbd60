import { HttpProblem } from '@saga/runtime';
import { InvalidCursorError, SagaActionRefusedError, SagaNotFoundError } from '@saga/saga';

/**
 * Runs an operator route's work and answers what the engine refused as a problem: an unknown saga is
 * a 404, an action its state or step kinds forbid a 409 naming the action and why.
 */
export async function asOperatorProblem<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SagaNotFoundError) throw HttpProblem.notFound(error.message);
    if (error instanceof SagaActionRefusedError) {
      throw HttpProblem.conflict(error.message, { action: error.action, reason: error.reason });
    }
    if (error instanceof InvalidCursorError) {
      throw HttpProblem.badRequest(error.message, { errors: [{ field: 'querystring.after', message: error.message }] });
    }
    throw error;
  }
}
