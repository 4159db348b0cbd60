import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { logRequests, type Logger } from '@saga/observability';
import { isDatabaseUnavailable } from '@saga/persistence';
import type { IdentitySettings } from '@saga/identity';
import { HttpProblem, problemType } from './http-problem';
import { registerIdentity } from './identity';
import { openDocsToAnyone, registerOpenApi } from './openapi';
import type { FieldError, Problem } from './problem';
import { problemTitle, registerProblemPages } from './problem-pages';

/** An app createHttpApp built, its routes typed by their zod schemas. */
export type HttpApp = Awaited<ReturnType<typeof createHttpApp>>;

/** The longest URL a request may have (path and query). */
const maxUrlLength = 8_192;

/** Which service the app is, and how it sits on the network. */
export interface HttpOptions {
  /** The service's name (`order-api`): the title of its OpenAPI document. */
  readonly service: string;
  /** The proxies whose X-Forwarded-For names the client (see @saga/config trustProxy); none by default. */
  readonly trustProxy?: boolean | number | string;
}

/**
 * A fastify app with zod schemas for validation and serialization, request logging, bearer-token
 * identity (each route's `config.access` says who may call it), one error handler that answers every
 * error as application/problem+json, and its OpenAPI document (/openapi.json, /docs) of every route
 * added after it resolves. Routes are added by the caller; it is not listening until someone calls
 * listen().
 */
export async function createHttpApp(logger: Logger, identity: IdentitySettings, options: HttpOptions) {
  const { service, trustProxy = false } = options;
  const app = Fastify({
    logger: false,
    // A number of hops trusts that many proxies nearest to the app (proxy-addr's hop index counts from 0).
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // Errors fastify meets before any route (a URL that is not UTF-8, a malformed header) are problems too.
    frameworkErrors: (error, request, reply) => {
      const field = error.code === 'FST_ERR_BAD_URL' ? 'path' : 'request';
      void sendProblem(reply as FastifyReply, request.url, {
        status: error.statusCode ?? 400,
        detail: error.message,
        extensions: { errors: [{ field, message: error.message }] },
      });
    },
  });
  // A URL longer than any route needs is refused before routing; Node refuses one past its header limit.
  app.addHook('onRequest', async (request) => {
    if (request.url.length > maxUrlLength) {
      throw HttpProblem.of(414, `the URL has ${request.url.length} characters; at most ${maxUrlLength}`);
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  logRequests(app, logger);
  // Before identity's check that every route says who may call it: the docs' pages do not.
  app.addHook('onRoute', openDocsToAnyone);
  registerIdentity(app, identity);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const send = (status: number, detail: string, extensions: Record<string, unknown> = {}) =>
      sendProblem(reply, request.url, { status, detail, extensions });

    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors: FieldError[] = error.validation.map((issue) => ({
        field: fieldPath(error.validationContext, issue.instancePath),
        message: issue.message ?? 'is invalid',
      }));
      return send(400, errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    }
    if (error instanceof HttpProblem) {
      const { status, title, detail, extensions, headers } = error;
      return sendProblem(reply.headers(headers), request.url, { status, title, detail, extensions });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(415, 'send the body as application/json');
    if (isDatabaseUnavailable(error)) {
      logger.warn('request refused: database unavailable', {
        method: request.method,
        url: request.url,
        error: error.message,
      });
      reply.header('Retry-After', '2');
      return send(503, 'the database is unavailable; retry shortly (with the same Idempotency-Key)');
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(413, 'the body is larger than this route takes');
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, request.url, {
        status: error.statusCode,
        title: 'Invalid request',
        detail: error.message,
      });
    }
    logger.error('request failed', { method: request.method, url: request.url, error });
    return send(500, 'the request could not be completed; it has been logged');
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request.url, { status: 404, detail: `no route ${request.method} ${request.url}` }),
  );

  await registerOpenApi(app, service);
  registerProblemPages(app);
  return app.withTypeProvider<ZodTypeProvider>();
}

/** What a problem says; its title is its status's page's unless given. */
interface ProblemParts {
  readonly status: number;
  readonly detail: string;
  readonly title?: string;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** Answers with a problem as application/problem+json (RFC 9457), its type the page of its status. */
function sendProblem(reply: FastifyReply, instance: string, problem: ProblemParts): FastifyReply {
  const { status, detail, title = problemTitle(status), extensions = {} } = problem;
  const body: Problem = { type: problemType(status), title, status, detail, instance, ...extensions };
  return reply.status(status).type('application/problem+json').send(body);
}

/** `body` + `/items/0/quantity` -> `items[0].quantity`; query and params keep their part as a prefix. */
function fieldPath(context: string | undefined, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  const path = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  if (context === 'body' || context === undefined) return path || 'body';
  return path ? `${context}.${path}` : context;
}

export type { FastifyInstance };
