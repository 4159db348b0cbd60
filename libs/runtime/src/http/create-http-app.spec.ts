import { captureLogs } from '@saga/observability/testing';
import { z } from 'zod';
import { testIdentity } from '@saga/testing';
import { createHttpApp } from './create-http-app';
import { HttpProblem } from './http-problem';

const PlaceOrder = z.object({
  items: z.array(z.object({ productId: z.uuid(), quantity: z.int().min(1) })).min(1),
});

async function buildApp() {
  const log = captureLogs('runtime-spec');
  const app = await createHttpApp(log.logger, testIdentity().settings, { service: 'runtime-spec' });
  app.post('/orders', { config: { access: 'anyone' }, schema: { body: PlaceOrder } }, async (request) => ({
    lines: request.body.items.length,
  }));
  app.get(
    '/orders',
    { config: { access: 'anyone' }, schema: { querystring: z.object({ limit: z.coerce.number().int().max(100) }) } },
    async () => [],
  );
  app.get('/orders/:id', { config: { access: 'anyone' } }, async (request) => {
    throw HttpProblem.notFound(`no order ${(request.params as { id: string }).id}`);
  });
  app.post('/orders/:id/cancel', { config: { access: 'anyone' } }, async () => {
    throw HttpProblem.conflict('the order is already paid', { state: 'PAID' });
  });
  app.get('/boom', { config: { access: 'anyone' } }, async () => {
    throw new Error('password=hunter2 at db.internal:5432');
  });
  app.get('/outage', { config: { access: 'anyone' } }, async () => {
    // What pg throws on a connection the server terminated (SQLSTATE 57P01).
    throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  });
  return { app, log };
}

describe('createHttpApp', () => {
  it('answers a zod validation error with 400 problem+json naming each bad field by its path', async () => {
    const { app } = await buildApp();

    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { items: [{ productId: '7f1c9d3e-6a57-4c58-9a5e-2d1b3c4e5f60', quantity: 0 }] },
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = response.json();
    expect(body).toMatchObject({ type: '/problems/400', title: 'Invalid request', status: 400, instance: '/orders' });
    expect(body.errors).toEqual([{ field: 'items[0].quantity', message: expect.any(String) }]);
    expect(body.detail).toContain('items[0].quantity: ');
  });

  it('prefixes a bad query parameter with the part of the request it came from', async () => {
    const { app } = await buildApp();

    const response = await app.inject({ method: 'GET', url: '/orders?limit=1000' });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'querystring.limit', message: expect.any(String) }]);
  });

  it('answers a body that is not valid JSON with 400 problem+json', async () => {
    const { app } = await buildApp();

    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json' },
      payload: '{"items": [',
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      type: '/problems/400',
      status: 400,
      title: 'Invalid request',
      detail: expect.any(String),
    });
  });

  it('answers a body that is not JSON at all with 415 problem+json', async () => {
    const { app } = await buildApp();

    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b',
    });

    expect(response.statusCode).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers a body past the limit with 413 problem+json', async () => {
    const { app } = await buildApp();

    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ items: [], padding: 'x'.repeat(1_100_000) }),
    });

    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ title: 'Payload too large', status: 413 });
  });

  it('answers a URL longer than any route needs with 414 problem+json, before any route runs', async () => {
    const { app } = await buildApp();

    const response = await app.inject({ method: 'GET', url: `/orders?limit=1&pad=${'x'.repeat(9_000)}` });

    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ title: 'URI too long', status: 414 });
  });

  it('answers a URL that is not UTF-8 with 400 problem+json naming the path', async () => {
    const { app } = await buildApp();

    const response = await app.inject({ method: 'GET', url: '/orders/%ED%A0%BC' });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 400, errors: [{ field: 'path' }] });
  });

  it('renders an HttpProblem with its status, title and detail', async () => {
    const { app } = await buildApp();

    const response = await app.inject({ method: 'GET', url: '/orders/42' });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toEqual({
      type: '/problems/404',
      title: 'Not found',
      status: 404,
      detail: 'no order 42',
      instance: '/orders/42',
    });
  });

  it('adds an HttpProblem’s extensions to the body', async () => {
    const { app } = await buildApp();

    const response = await app.inject({ method: 'POST', url: '/orders/42/cancel' });

    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ title: 'Conflict', detail: 'the order is already paid', state: 'PAID' });
  });

  it('answers an unexpected error with a 500 that hides its message and logs it instead', async () => {
    const { app, log } = await buildApp();

    const response = await app.inject({ method: 'GET', url: '/boom' });

    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ type: '/problems/500', title: 'Internal error', status: 500 });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('db.internal');
    const logged = log.lines.find((line) => line.message === 'request failed');
    expect(JSON.stringify(logged)).toContain('password=hunter2 at db.internal:5432');
  });

  it('answers 503 problem+json with Retry-After while the database is unavailable', async () => {
    const { app } = await buildApp();

    const response = await app.inject({ method: 'GET', url: '/outage' });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.json()).toMatchObject({ status: 503, title: 'Service unavailable' });
    expect(response.body).not.toContain('administrator');
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const { app } = await buildApp();

    const response = await app.inject({ method: 'DELETE', url: '/nowhere' });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toEqual({
      type: '/problems/404',
      title: 'Not found',
      status: 404,
      detail: 'no route DELETE /nowhere',
      instance: '/nowhere',
    });
  });

  it('documents every problem type it answers at its URI, with the title the problems carry', async () => {
    const { app } = await buildApp();
    const problem = await app.inject({ method: 'GET', url: '/orders/123' });
    const { type, title } = problem.json();

    const page = await app.inject({ method: 'GET', url: type });

    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({ type, title, means: expect.stringContaining('id') });
    expect((await app.inject({ method: 'GET', url: '/problems/418' })).statusCode).toBe(404);
  });

  it('answers a valid request through its route', async () => {
    const { app } = await buildApp();

    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { items: [{ productId: '7f1c9d3e-6a57-4c58-9a5e-2d1b3c4e5f60', quantity: 2 }] },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ lines: 1 });
  });
});
