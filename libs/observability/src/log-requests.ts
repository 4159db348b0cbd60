import type { FastifyInstance } from 'fastify';
import type { Logger } from './create-logger';

// Probes hit these every few seconds; at info they would drown the lines about real traffic.
const probePaths = new Set(['/healthz', '/readyz', '/metrics']);

/** Logs one line per answered request (method, url, statusCode, ms), since fastify's own logger stays off. */
export function logRequests(app: FastifyInstance, logger: Logger): void {
  app.addHook('onResponse', async (request, reply) => {
    // Probes are polled all the time, and an unready answer is expected while a dependency is down.
    const level = probePaths.has(request.routeOptions.url ?? '') ? 'debug' : reply.statusCode >= 500 ? 'error' : 'info';
    logger.log(level, 'request completed', {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    });
  });
}
