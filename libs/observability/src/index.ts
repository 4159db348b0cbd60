export { createLogger } from './create-logger';
export type { LogFormat, Logger, LoggerOptions } from './create-logger';
export { registerHealthRoutes } from './health-routes';
export type { HealthCheck } from './health-routes';
export { logRequests } from './log-requests';
export { messageContext } from './message-context';
export type { MessageIdentity } from './message-context';
export { countRequests, createMetrics, registerMetricsRoute } from './metrics';
export type { Metrics } from './metrics';
export { observeGauge } from './metrics';
export type { GaugeReading, ObservedGauge } from './metrics';
export {
  contextFromHeaders,
  derivedSpanId,
  inSpan,
  knownSpanContext,
  markSpanFailed,
  recordSpan,
  spanContextOf,
  SpanKind,
  startTracing,
  traceFields,
  traceHeaders,
} from './tracing';
export type { Context, Link, Span, RecordedSpan, SpanContext, SpanOptions, Tracing, TracingOptions } from './tracing';
