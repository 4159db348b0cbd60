import type { FastifyInstance } from 'fastify';

/** A dependency the service needs to do work (a database, the broker); readiness requires all of them. */
export interface HealthCheck {
  name: string;
  isHealthy: () => boolean | Promise<boolean>;
}

// A check that hangs (a half-open socket) must not hang the probe: the orchestrator would see a timeout anyway.
const checkTimeoutMs = 2000;

/** Adds GET /healthz (the process runs) and GET /readyz (every check passes, else 503). */
export function registerHealthRoutes(app: FastifyInstance, checks: HealthCheck[]): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(checks.map(async (check) => [check.name, await passes(check)] as const));
    const ready = results.every(([, healthy]) => healthy);
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) });
  });
}

async function passes(check: HealthCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), checkTimeoutMs);
  });
  try {
    return (await Promise.race([Promise.resolve().then(check.isHealthy), timeout])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
