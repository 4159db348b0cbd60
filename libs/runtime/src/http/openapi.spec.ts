import { z } from 'zod';
import { Role, staff } from '@saga/identity';
import { createLogger, createMetrics, registerHealthRoutes, registerMetricsRoute } from '@saga/observability';
import { testIdentity } from '@saga/testing';
import { openApiFaults } from '../testing/openapi-faults';
import { createHttpApp, type HttpApp } from './create-http-app';
import { HttpProblem } from './http-problem';
import { Problem } from './problem';

const Item = z.object({ id: z.uuid(), name: z.string() });
const ItemParams = z.object({ id: z.uuid() });

/** One route per kind of access, each with the schema of its answer. */
function registerItemRoutes(app: HttpApp): void {
  app.get('/items', { config: { access: 'anyone' }, schema: { response: { 200: z.array(Item) } } }, async () => []);
  app.get(
    '/me/items/:id',
    { config: { access: 'signed-in' }, schema: { params: ItemParams, response: { 200: Item } } },
    async (request) => {
      throw HttpProblem.notFound(`no item ${request.params.id}`);
    },
  );
  app.post(
    '/admin/items',
    { config: { access: staff(Role.Admin) }, schema: { body: Item.omit({ id: true }), response: { 201: Item } } },
    async (request, reply) => reply.status(201).send({ id: '7f1c9d3e-6a57-4c58-9a5e-2d1b3c4e5f60', ...request.body }),
  );
}

describe('the OpenAPI document and /docs', () => {
  const identity = testIdentity();
  let app: HttpApp;
  beforeAll(async () => {
    app = await createHttpApp(createLogger({ service: 'openapi-spec', level: 'error' }), identity.settings, {
      service: 'item-api',
    });
    registerHealthRoutes(app, []);
    registerMetricsRoute(app, createMetrics('openapi-spec').registry);
    registerItemRoutes(app);
    await app.ready();
  });
  afterAll(() => app.close());

  const document = async () => (await app.inject({ url: '/openapi.json' })).json();

  it('describes every route with its answer, its problems and who may call it', async () => {
    expect(await openApiFaults('item-api', registerItemRoutes)).toEqual([]);
  });

  it('finds a route that does not say what it answers, or that the document leaves out', async () => {
    const faults = await openApiFaults('item-api', (bare) => {
      bare.get('/bare', { config: { access: 'anyone' } }, async () => ({ ok: true }));
      bare.get('/hidden', { config: { access: 'signed-in' }, schema: { hide: true } }, async () => ({}));
    });

    expect(faults).toEqual(['GET /bare has no schema for a 2xx answer', 'GET /hidden is not in the document']);
  });

  it('is OpenAPI 3.1 titled by the service, with the bearer scheme and the problem schema', async () => {
    const { openapi, info, components } = await document();

    expect(openapi).toBe('3.1.0');
    expect(info).toMatchObject({ title: 'item-api', version: expect.any(String) });
    expect(components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(components.schemas.Problem).toMatchObject({
      required: ['type', 'title', 'status', 'detail', 'instance'],
    });
  });

  it('lists the bearer scheme on the routes that need a token, and 401 and 403 where they can be answered', async () => {
    const { paths } = await document();
    const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

    expect(paths['/items'].get.security).toBeUndefined();
    expect(Object.keys(paths['/items'].get.responses)).toEqual(['200', '4XX', '5XX']);
    expect(paths['/me/items/{id}'].get).toMatchObject({
      security: [{ bearer: [] }],
      responses: { 401: { content: problem }, '4XX': { content: problem }, '5XX': { content: problem } },
    });
    expect(paths['/me/items/{id}'].get.responses[403]).toBeUndefined();
    expect(paths['/admin/items'].post).toMatchObject({
      description: 'Needs a bearer token with the role admin.',
      security: [{ bearer: [] }],
      responses: { 201: expect.anything(), 401: { content: problem }, 403: { content: problem } },
    });
  });

  it('documents the problem pages and leaves the probes, /metrics and the docs out', async () => {
    const { paths } = await document();

    expect(Object.keys(paths).sort()).toEqual(['/admin/items', '/items', '/me/items/{id}', '/problems/{status}']);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).headers['content-type']).toMatch(/^text\/plain/);
  });

  it('answers problems of the shape it documents', async () => {
    const answers = await Promise.all([
      app.inject({ url: '/me/items/42', headers: identity.as('alice') }),
      app.inject({ url: '/me/items/7f1c9d3e-6a57-4c58-9a5e-2d1b3c4e5f60', headers: identity.as('alice') }),
      app.inject({ url: '/me/items/7f1c9d3e-6a57-4c58-9a5e-2d1b3c4e5f60' }),
      app.inject({ method: 'POST', url: '/admin/items', headers: identity.as('alice'), payload: { name: 'kettle' } }),
    ]);

    expect(answers.map((answer) => answer.statusCode)).toEqual([400, 404, 401, 403]);
    for (const answer of answers) expect(Problem.safeParse(answer.json()).error).toBeUndefined();
  });

  it('serves Swagger UI at /docs to anyone, over the same document', async () => {
    const page = await app.inject({ url: '/docs', headers: { authorization: 'Bearer forged' } });
    const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' });

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    expect(initializer.statusCode).toBe(200);
    expect((await app.inject({ url: '/docs/json' })).json()).toEqual(await document());
  });
});
