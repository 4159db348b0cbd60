import type { FastifyRequest } from 'fastify';

/** A request's route pattern (`/orders/:id`), or `unmatched`: spans and metrics never name raw paths. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}
