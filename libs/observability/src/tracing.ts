import { createHash, randomBytes } from 'node:crypto';
import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type IdGenerator,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export { SpanKind, type Context, type Link, type Span, type SpanContext };

/** Where a process's spans go: an OTLP/HTTP collector (its base URL, `/v1/traces` is added), or nowhere. */
export interface TracingOptions {
  readonly service: string;
  readonly endpoint?: string;
}

/** The process's tracing once started; stop flushes the spans not yet exported. */
export interface Tracing {
  readonly exporting: boolean;
  stop(): Promise<void>;
}

/** The span id a span about to start must take (a saga's or a step's, derived from its ids). */
const presetSpanId = createContextKey('saga.preset-span-id');
/** The baggage entry that carries the id of the HTTP request a trace began with, to every service. */
const requestIdEntry = 'saga.request_id';

/** Random ids, except a span id preset in the active context: a saga's spans are known before they end. */
class PresetIdGenerator implements IdGenerator {
  generateTraceId(): string {
    return randomBytes(16).toString('hex');
  }

  generateSpanId(): string {
    return (context.active().getValue(presetSpanId) as string | undefined) ?? randomBytes(8).toString('hex');
  }
}

let running: { provider: BasicTracerProvider; exporting: boolean; users: number } | undefined;

/**
 * Starts the process's tracing, once (a second service in the same process shares it): W3C trace
 * context and baggage through AsyncLocalStorage always, so every log line and message carries its
 * trace; spans are recorded and exported only with an endpoint (otherwise ids flow, nothing is kept).
 */
export function startTracing({ service, endpoint }: TracingOptions): Tracing {
  if (!running) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
      idGenerator: new PresetIdGenerator(),
      sampler: endpoint ? new ParentBasedSampler({ root: new AlwaysOnSampler() }) : new AlwaysOffSampler(),
      spanProcessors: endpoint
        ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }))]
        : [],
    });
    trace.setGlobalTracerProvider(provider);
    running = { provider, exporting: endpoint !== undefined, users: 0 };
  }
  running.users++;
  const { exporting } = running;
  let stopped = false;
  return {
    exporting,
    stop: async () => {
      if (stopped || !running) return;
      stopped = true;
      if (--running.users > 0) return;
      const { provider } = running;
      running = undefined;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

function tracer() {
  return trace.getTracer('saga');
}

/** The headers (traceparent, baggage) that carry a context into a message; none without a trace. */
export function traceHeaders(from: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(from, headers);
  return headers;
}

/** The context a message's headers carry (its trace and baggage); the root context when they carry none. */
export function contextFromHeaders(headers: Readonly<Record<string, unknown>>): Context {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate', 'baggage']) {
    if (typeof headers[key] === 'string') carrier[key] = headers[key];
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The trace context an incoming HTTP request names (traceparent only: a client's baggage is not ours to carry). */
export function contextFromRequest(headers: Readonly<Record<string, unknown>>): Context {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate']) {
    if (typeof headers[key] === 'string') carrier[key] = headers[key];
  }
  return new W3CTraceContextPropagator().extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => c[key],
    keys: (c) => Object.keys(c),
  });
}

/** `parent` with the request id as baggage, so every service's log lines about the request name it. */
export function withRequestId(parent: Context, requestId: string): Context {
  const bag = propagation.getBaggage(parent) ?? propagation.createBaggage();
  return propagation.setBaggage(parent, bag.setEntry(requestIdEntry, { value: requestId }));
}

/** What a log line says of the active context: its trace and span ids and the request id, when there are. */
export function traceFields(from: Context = context.active()): {
  traceId?: string;
  spanId?: string;
  requestId?: string;
} {
  const span = trace.getSpanContext(from);
  const requestId = propagation.getBaggage(from)?.getEntry(requestIdEntry)?.value;
  return {
    ...(span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** What a span is about: its kind, parent (the active context by default) and attributes. */
export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly parent?: Context;
  readonly attributes?: Attributes;
}

/**
 * Runs work in a new span, the span active for everything it does (its messages and log lines carry
 * it); a throw marks the span failed and is rethrown.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    markSpanFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed, with the error that failed it. */
export function markSpanFailed(span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
}

/** Starts a span the caller ends (an HTTP request's, ended when the answer is sent). */
export function startSpan(name: string, options: SpanOptions): Span {
  return tracer().startSpan(
    name,
    { kind: options.kind, attributes: options.attributes },
    options.parent ?? context.active(),
  );
}

/** A span id derived from a seed (a saga's id, a step's): the same seed always gives the same id. */
export function derivedSpanId(seed: string): string {
  const id = createHash('sha256').update(seed).digest('hex').slice(0, 16);
  // The all-zero id is invalid; a digest starting with eight zero bytes is near impossible, but cheap to rule out.
  return id === '0000000000000000' ? '0000000000000001' : id;
}

/**
 * The context of a span that is known before it is recorded: trace `traceId`, span `spanId`. What is
 * sent under it (a step's commands) is its child; `recordSpan` later records the span itself.
 */
export function knownSpanContext(traceId: string, spanId: string, sampled: boolean): Context {
  const span: SpanContext = { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE };
  return trace.setSpanContext(context.active(), span);
}

/** A span recorded after the fact, with the id it was known by while it ran. */
export interface RecordedSpan {
  readonly name: string;
  /** The span's parent: its trace and its parent span. */
  readonly parent: Context;
  readonly spanId: string;
  readonly startTime: Date;
  readonly endTime: Date;
  readonly attributes?: Attributes;
  readonly links?: Link[];
  /** Why it failed, when it did. */
  readonly error?: string;
}

/** Records (and, when exporting, exports) a span that ran from startTime to endTime under a preset id. */
export function recordSpan({ name, parent, spanId, startTime, endTime, attributes, links, error }: RecordedSpan): void {
  const span = context.with(context.active().setValue(presetSpanId, spanId), () =>
    tracer().startSpan(name, { startTime, attributes, links }, parent),
  );
  if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
  span.end(endTime);
}

/** The trace id, span id and sampled flag of a context's span; undefined when it has none. */
export function spanContextOf(from: Context = context.active()): SpanContext | undefined {
  const span = trace.getSpanContext(from);
  return span && trace.isSpanContextValid(span) ? span : undefined;
}
