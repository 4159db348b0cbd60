export { createLogger } from './create-logger';
export type { LogFormat, Logger, LoggerOptions } from './create-logger';
export { registerHealthRoutes } from './health-routes';
export type { HealthCheck } from './health-routes';
export { logRequests } from './log-requests';
export { messageContext } from './message-context';
export type { MessageIdentity } from './message-context';
export { createMetrics, registerMetricsRoute } from './metrics';
export type { Metrics } from './metrics';
