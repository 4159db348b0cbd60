import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { Faults, type FaultSwitch } from './fault-switch';
import type { MessageStore } from './message-store';
import { messagesPage } from './messages-page';

/** What the HTTP side shows and changes: the messages, the faults, and whether the SMTP side listens. */
export interface HttpAppDeps {
  readonly store: MessageStore;
  readonly faults: FaultSwitch;
  readonly isReady: () => boolean;
}

const MessagesQuery = z.object({ to: z.string().optional() });

// The page shows hostile text, escaped; this keeps a slip from running anything: no scripts, no fetches.
const pagePolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

function problem(reply: FastifyReply, status: number, detail: string) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: status === 404 ? 'Not found' : 'Bad request', status, detail });
}

/**
 * The sink's HTTP API, unstarted: GET /messages (JSON, newest last, `?to=` for one recipient),
 * GET /messages/:id, DELETE /messages, the faults (GET, POST, DELETE /faults), the page GET /, and
 * GET /healthz and /readyz.
 */
export function buildHttpApp({ store, faults, isReady }: HttpAppDeps): FastifyInstance {
  const app = Fastify({ logger: false });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });

  app.get('/messages', async (request, reply) => {
    const query = MessagesQuery.safeParse(request.query);
    if (!query.success) return problem(reply, 400, 'expected at most one ?to= address');
    return { messages: store.list(query.data) };
  });
  app.get<{ Params: { id: string } }>('/messages/:id', async (request, reply) => {
    const message = store.get(request.params.id);
    return message ?? problem(reply, 404, `no message ${request.params.id} is kept`);
  });
  app.delete('/messages', async () => ({ deleted: store.clear() }));

  app.get('/faults', async () => faults.state());
  app.post('/faults', async (request, reply) => {
    const parsed = Faults.safeParse(request.body ?? {});
    if (!parsed.success) return problem(reply, 400, z.prettifyError(parsed.error));
    return faults.set(parsed.data);
  });
  app.delete('/faults', async () => faults.clear());

  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', pagePolicy)
      .header('x-content-type-options', 'nosniff')
      .send(messagesPage(store.list())),
  );

  return app;
}
