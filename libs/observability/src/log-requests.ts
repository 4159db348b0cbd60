import { randomUUID } from 'node:crypto';
import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from './create-logger';
import { routeOf } from './http-route';
import { contextFromRequest, SpanKind, startSpan, traceFields, withRequestId } from './tracing';

// Probes hit these every few seconds; at info they would drown the lines about real traffic.
const probePaths = new Set(['/healthz', '/readyz', '/metrics']);
/** A caller's X-Request-Id is kept when it is a plain token of reasonable length; otherwise one is made. */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The span and ids of a request being answered. */
interface RequestTrace {
  readonly span: Span;
  readonly requestId: string;
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();

/**
 * Traces and logs every request: a server span continuing the caller's W3C traceparent (or starting a
 * trace), active for everything the request does; an X-Request-Id (the caller's, or a new one) answered
 * back and carried as baggage into every message the request causes; one log line per answer, with
 * both ids (fastify's own logger stays off).
 */
export function logRequests(app: FastifyInstance, logger: Logger): void {
  app.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    const parent = contextFromRequest(request.headers);
    const span = startSpan(`${request.method} ${routeOf(request)}`, {
      kind: SpanKind.SERVER,
      parent,
      attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0] },
    });
    traces.set(request, { span, requestId });
    reply.header('x-request-id', requestId);
    // done() inside the context: every later hook and the handler run in it (AsyncLocalStorage).
    context.with(withRequestId(trace.setSpan(parent, span), requestId), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = routeOf(request);
    const status = reply.statusCode;
    const traced = traces.get(request);
    traced?.span.setAttribute('http.response.status_code', status);
    if (status >= 500) traced?.span.setStatus({ code: SpanStatusCode.ERROR });
    traced?.span.end();
    // Probes are polled all the time, and an unready answer is expected while a dependency is down.
    const level = probePaths.has(route) ? 'debug' : status >= 500 ? 'error' : 'info';
    const ids = traced
      ? traceFields(trace.setSpan(withRequestId(context.active(), traced.requestId), traced.span))
      : {};
    logger.log(level, 'request completed', {
      method: request.method,
      url: request.url,
      statusCode: status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ...ids,
    });
  });
}
