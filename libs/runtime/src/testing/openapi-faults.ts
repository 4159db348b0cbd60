import { randomBytes } from 'node:crypto';
import type { RouteOptions } from 'fastify';
import { identitySettingsFrom } from '@saga/identity';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '../http/create-http-app';
import { platformRoutes } from '../http/identity';
import { bearerScheme, docsPath, openApiPath, servesDocs } from '../http/openapi';

/** The parts of an OpenAPI document the faults are looked for in. */
interface OpenApiDocument {
  readonly openapi?: unknown;
  readonly info?: { readonly title?: unknown; readonly version?: unknown };
  readonly paths?: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components?: { readonly securitySchemes?: Readonly<Record<string, { type?: string; scheme?: string }>> };
}

interface Operation {
  readonly parameters?: readonly { readonly in: string; readonly name: string }[];
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly responses?: Readonly<Record<string, { readonly content?: Readonly<Record<string, { schema?: unknown }>> }>>;
}

/**
 * What the OpenAPI document of an app of these routes gets wrong, one sentence per fault: none when
 * /openapi.json is an OpenAPI 3 document titled by the service whose every $ref resolves, each route is
 * in it with a schema for its 2xx answer, path parameters, its problems, and the bearer scheme exactly
 * when it needs a token, and /docs answers HTML.
 */
export async function openApiFaults(
  service: string,
  register: (app: HttpApp) => void | Promise<void>,
): Promise<string[]> {
  const identity = identitySettingsFrom({
    AUTH_ISSUER: 'openapi-faults',
    AUTH_AUDIENCE: 'openapi-faults',
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    AUTH_FAILURES_PER_MINUTE: 1,
  });
  const app = await createHttpApp(createLogger({ service, level: 'error' }), identity, { service });
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => void routes.push(route));
  try {
    await register(app);
    await app.ready();
    const answer = await app.inject({ url: openApiPath });
    if (answer.statusCode !== 200) return [`GET ${openApiPath} answers ${answer.statusCode}: ${answer.body}`];
    const document = answer.json<OpenApiDocument>();
    const docs = await app.inject({ url: docsPath });
    return [
      ...documentFaults(document, service),
      ...routes.filter(isApiRoute).flatMap((route) => routeFaults(document, route)),
      ...unresolvedRefs(document),
      ...(docs.statusCode === 200 && /^text\/html/.test(String(docs.headers['content-type']))
        ? []
        : [`GET ${docsPath} answers ${docs.statusCode} ${docs.headers['content-type']}, not an HTML page`]),
    ];
  } finally {
    await app.close();
  }
}

/** A route of the app's API: not a HEAD twin, a probe, /metrics, or the docs themselves. */
function isApiRoute(route: RouteOptions): boolean {
  return route.method !== 'HEAD' && !platformRoutes.has(route.url) && !servesDocs(route.url);
}

function documentFaults(document: OpenApiDocument, service: string): string[] {
  const faults: string[] = [];
  if (typeof document.openapi !== 'string' || !/^3\.\d+\.\d+$/.test(document.openapi)) {
    faults.push(`the document's openapi is ${String(document.openapi)}, not an OpenAPI 3 version`);
  }
  if (document.info?.title !== service) faults.push(`the document's title is ${String(document.info?.title)}`);
  if (typeof document.info?.version !== 'string') faults.push('the document has no info.version');
  if (typeof document.paths !== 'object') faults.push('the document has no paths');
  const scheme = document.components?.securitySchemes?.[bearerScheme];
  if (scheme?.type !== 'http' || scheme.scheme !== 'bearer') faults.push(`the document has no ${bearerScheme} scheme`);
  return faults;
}

function routeFaults(document: OpenApiDocument, route: RouteOptions): string[] {
  const path = route.url.replace(/:(\w+)/g, '{$1}');
  const methods = typeof route.method === 'string' ? [route.method] : route.method;
  return methods.flatMap((method) => {
    const name = `${method} ${route.url}`;
    const operation = document.paths?.[path]?.[method.toLowerCase()];
    if (!operation) return [`${name} is not in the document`];
    const faults: string[] = [];
    const responses = Object.entries(operation.responses ?? {});
    if (!responses.some(([status, answer]) => /^2\d\d$/.test(status) && answer.content?.['application/json']?.schema)) {
      faults.push(`${name} has no schema for a 2xx answer`);
    }
    for (const status of ['4XX', '5XX']) {
      if (!operation.responses?.[status]?.content?.['application/problem+json']?.schema) {
        faults.push(`${name} has no problem for ${status}`);
      }
    }
    for (const [, parameter] of path.matchAll(/\{(\w+)\}/g)) {
      if (!operation.parameters?.some((p) => p.in === 'path' && p.name === parameter)) {
        faults.push(`${name} does not declare its path parameter ${parameter}`);
      }
    }
    const secured = (route.config?.access ?? 'anyone') !== 'anyone';
    const bearer = operation.security?.some((requirement) => bearerScheme in requirement) ?? false;
    if (secured && !bearer) faults.push(`${name} needs a token but lists no ${bearerScheme} security`);
    if (!secured && bearer) faults.push(`${name} is open to anyone but lists the ${bearerScheme} security`);
    return faults;
  });
}

/** Each $ref of the document that points nowhere in it. */
function unresolvedRefs(document: OpenApiDocument): string[] {
  const refs = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(collect);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') refs.add(child);
      else collect(child);
    }
  };
  collect(document);
  return [...refs].filter((ref) => resolve(document, ref) === undefined).map((ref) => `$ref ${ref} points nowhere`);
}

function resolve(document: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], document);
}
