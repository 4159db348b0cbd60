import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { logRequests, type Logger } from '@saga/observability';
import { isDatabaseUnavailable } from '@saga/persistence';
import { HttpProblem, problemType } from './http-problem';
import { registerProblemPages } from './problem-pages';

export type HttpApp = ReturnType<typeof createHttpApp>;

/** The longest URL a request may have (path and query). */
const maxUrlLength = 8_192;

/** One field that failed validation: where it is (`items[0].quantity`) and what is wrong with it. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * A fastify app with zod schemas for validation and serialization, request logging, and one error
 * handler that answers every error as application/problem+json. Routes are added by the caller;
 * it is not listening until someone calls listen().
 */
export function createHttpApp(logger: Logger) {
  const app = Fastify({
    logger: false,
    // Errors fastify meets before any route (a URL that is not UTF-8, a malformed header) are problems too.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      void (reply as FastifyReply)
        .status(status)
        .type('application/problem+json')
        .send({
          type: problemType(status),
          title: 'Invalid request',
          status,
          detail: error.message,
          instance: request.url,
          errors: [{ field: error.code === 'FST_ERR_BAD_URL' ? 'path' : 'request', message: error.message }],
        });
    },
  });
  // A URL longer than any route needs is refused before routing; Node refuses one past its header limit.
  app.addHook('onRequest', async (request) => {
    if (request.url.length > maxUrlLength) {
      throw new HttpProblem(
        414,
        'URI too long',
        `the URL has ${request.url.length} characters; at most ${maxUrlLength}`,
      );
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  logRequests(app, logger);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const send = (status: number, title: string, detail: string, extensions: Record<string, unknown> = {}) =>
      reply
        .status(status)
        .type('application/problem+json')
        .send({ type: problemType(status), title, status, detail, instance: request.url, ...extensions });

    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors: FieldError[] = error.validation.map((issue) => ({
        field: fieldPath(error.validationContext, issue.instancePath),
        message: issue.message ?? 'is invalid',
      }));
      return send(400, 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    }
    if (error instanceof HttpProblem) return send(error.status, error.title, error.detail, { ...error.extensions });
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return send(415, 'Unsupported media type', 'send the body as application/json');
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn('request refused: database unavailable', {
        method: request.method,
        url: request.url,
        error: error.message,
      });
      reply.header('Retry-After', '2');
      return send(
        503,
        'Service unavailable',
        'the database is unavailable; retry shortly (with the same Idempotency-Key)',
      );
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return send(413, 'Payload too large', 'the body is larger than this route takes');
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return send(error.statusCode, 'Invalid request', error.message);
    }
    logger.error('request failed', { method: request.method, url: request.url, error });
    return send(500, 'Internal error', 'the request could not be completed; it has been logged');
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type('application/problem+json')
      .send({
        type: problemType(404),
        title: 'Not found',
        status: 404,
        detail: `no route ${request.method} ${request.url}`,
        instance: request.url,
      }),
  );

  registerProblemPages(app);
  return app.withTypeProvider<ZodTypeProvider>();
}

/** `body` + `/items/0/quantity` -> `items[0].quantity`; query and params keep their part as a prefix. */
function fieldPath(context: string | undefined, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  const path = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  if (context === 'body' || context === undefined) return path || 'body';
  return path ? `${context}.${path}` : context;
}

export type { FastifyInstance };
