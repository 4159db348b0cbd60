import fastifySwagger, { type SwaggerTransform } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Access } from '@saga/identity';
import { platformRoutes } from './identity';
import { Problem } from './problem';
import { problemPages } from './problem-pages';

/** Where every app serves its OpenAPI document, generated from its routes' zod schemas. */
export const openApiPath = '/openapi.json';

/** Where every app serves its browsable API docs (Swagger UI over the same document). */
export const docsPath = '/docs';

/** The OpenAPI security scheme of the routes that need a bearer token. */
export const bearerScheme = 'bearer';

const problemRef = { $ref: '#/components/schemas/Problem' };

/**
 * Serves the app's OpenAPI 3.1 document at /openapi.json and Swagger UI at /docs, both open to anyone:
 * every route with its zod schemas, its problems (application/problem+json) and, when it needs a
 * token, the bearer scheme. The probes and /metrics are not part of the API, so not of the document.
 * Routes are collected as they are added, so this is awaited before the app's routes are.
 */
export async function registerOpenApi(app: FastifyInstance, service: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: service,
        // The API has one version and its paths carry none.
        version: '1',
        description:
          'Every error is application/problem+json; GET its `type` to read what it means. ' +
          'Routes with the bearer scheme need `Authorization: Bearer <JWT>`.',
      },
      components: {
        securitySchemes: {
          [bearerScheme]: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A token of the configured issuer and audience; its subject is the caller, its roles claim theirs.',
          },
        },
        // zod's JSON Schema type and openapi-types' SchemaObject describe one thing but do not meet.
        schemas: { Problem: z.toJSONSchema(Problem, { target: 'draft-2020-12', io: 'output' }) as object },
      },
    },
    transform: documentedRoute,
  });
  await app.register(fastifySwaggerUi, { routePrefix: docsPath });
  app.get(openApiPath, { config: { access: 'anyone' }, schema: { hide: true } }, async () => app.swagger());
}

/** Whether a route serves the documentation: the document, or a page or asset of /docs. */
export function servesDocs(url: string): boolean {
  return url === openApiPath || url === docsPath || url.startsWith(`${docsPath}/`);
}

/** Makes the pages of /docs open to anyone: @fastify/swagger-ui's routes say nothing of who may call them. */
export function openDocsToAnyone(route: RouteOptions): void {
  if (servesDocs(route.url)) route.config = { ...route.config, access: route.config?.access ?? 'anyone' };
}

/** A route as the document shows it: its zod schemas as JSON Schema, who may call it, and its problems. */
const documentedRoute: SwaggerTransform = (input) => {
  if (platformRoutes.has(input.url)) return { schema: { hide: true }, url: input.url };
  const { schema = {}, url } = jsonSchemaTransform(input);
  if (schema.hide) return { schema, url };
  const access = input.route.config?.access ?? 'anyone';
  return {
    url,
    schema: {
      ...schema,
      description: schema.description ?? whoMayCall(access),
      ...(access === 'anyone' ? {} : { security: [{ [bearerScheme]: [] }] }),
      response: { ...problemResponses(access), ...(schema.response as object) },
    },
  };
};

function whoMayCall(access: Access): string {
  if (access === 'anyone') return 'Open to anyone.';
  if (access === 'signed-in') return 'Needs a bearer token: the caller acts as its subject.';
  return `Needs a bearer token with the role ${access.roles.join(' or ')}.`;
}

/** The problems a route may answer: 401 and 403 where it needs a token or a role, any other 4xx and 5xx. */
function problemResponses(access: Access): Record<string, unknown> {
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: problemRef } },
  });
  return {
    ...(access === 'anyone' ? {} : { 401: problem(problemPages[401].means) }),
    ...(typeof access === 'object' ? { 403: problem(problemPages[403].means) } : {}),
    '4XX': problem('The request cannot be answered as it is: its `type` says why, and what to do.'),
    '5XX': problem(
      'The request failed on our side (500, logged) or a dependency is unavailable (503, with Retry-After); ' +
        'retrying with the same Idempotency-Key is safe.',
    ),
  };
}
