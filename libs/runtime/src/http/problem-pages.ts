import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/** What each kind of problem an app answers means, and what the caller can do about it. */
export const problemPages: Readonly<Record<number, { readonly title: string; readonly means: string }>> = {
  400: {
    title: 'Invalid request',
    means:
      'The request is malformed: `errors` names each field at fault and why. Fix it; sending it again as it is fails the same way.',
  },
  401: {
    title: 'Authentication required',
    means:
      'The route needs a bearer token (Authorization: Bearer <token>) and none came, or the one that came was refused: expired, signed by a key this system does not trust, for another issuer or audience. Get a new token.',
  },
  402: {
    title: 'Payment declined',
    means:
      'The card was refused; `code` says why (card_declined, insufficient_funds). Nothing was charged; try another card.',
  },
  403: {
    title: 'Forbidden',
    means:
      'The token is valid but its roles do not allow this route (`roles` names the ones that do). Ask for a token with that role.',
  },
  404: { title: 'Not found', means: 'No such resource, or no such route. Check the id and the path.' },
  409: {
    title: 'Conflict',
    means:
      'The resource is not in a state that allows this (an order not completed, a refund with nothing left to refund).',
  },
  413: { title: 'Payload too large', means: 'The body is larger than the route takes. Send less.' },
  414: { title: 'URI too long', means: 'The URL is longer than 8 KiB. Send less in the query.' },
  415: { title: 'Unsupported media type', means: 'The route takes a body of Content-Type application/json.' },
  422: {
    title: 'Unprocessable request',
    means:
      'The request is well formed but cannot be done: an Idempotency-Key used with another body, more than is left, past a limit (`field` names it).',
  },
  429: {
    title: 'Too many requests',
    means:
      'This user or address sent more than the limit allows (orders placed, failed authentications). Wait for the Retry-After header, then retry.',
  },
  500: {
    title: 'Internal error',
    means: 'The request failed on our side and was logged. Retrying with the same Idempotency-Key is safe.',
  },
  503: {
    title: 'Service unavailable',
    means:
      'A dependency (the database, a card provider) is unavailable. Retry after the Retry-After header, with the same Idempotency-Key.',
  },
};

/** The page of a kind of problem, at its `type`. */
const ProblemPage = z.object({
  type: z.string(),
  status: z.int(),
  title: z.string(),
  means: z.string().meta({ description: 'What the problem means and what the caller can do about it.' }),
});

/** The title every problem of this status carries: its page's, or the generic one of its class. */
export function problemTitle(status: number): string {
  return problemPages[status]?.title ?? (status < 500 ? 'Invalid request' : 'Internal error');
}

/**
 * GET /problems/:status: the page a problem's `type` points at, so every type is a documented URI
 * (RFC 9457): what the problem means and what to do about it.
 */
export function registerProblemPages(app: FastifyInstance): void {
  const schema = {
    summary: 'What a kind of problem means',
    params: z.object({ status: z.string().meta({ description: 'The status of the problem', examples: ['409'] }) }),
    response: { 200: ProblemPage },
  };
  app.get('/problems/:status', { config: { access: 'anyone' }, schema }, async (request, reply) => {
    const status = Number((request.params as { status: string }).status);
    const page = problemPages[status];
    if (!page) return reply.callNotFound();
    return { type: `/problems/${status}`, status, title: page.title, means: page.means };
  });
}
