import type { FastifyInstance } from 'fastify';
import type { Logger } from './create-logger';

// Probes hit these every few seconds; at info they would drown the lines about real traffic.
const probePaths = new Set(['/healthz', '/readyz', '/metrics']);

/** Logs one line per answered request (method, url, statusCode, ms), since fastify's own logger stays off. */
export function logRequests(app: FastifyInstance, logger: Logger): void {
  app.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : probePaths.has(request.routeOptions.url ?? '') ? 'debug' : 'info';
    logger.log(level, 'request completed', {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    });
  });
}
