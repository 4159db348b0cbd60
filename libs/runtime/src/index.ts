export { createHttpApp } from './http/create-http-app';
export type { HttpApp, HttpOptions } from './http/create-http-app';
export { HttpProblem, problemType } from './http/http-problem';
export { callerOf } from './http/identity';
export { idempotencyKeyOf, IdempotencyKeyHeaders } from './http/idempotency-key';
export { LedgerPageQuery } from './http/page-query';
export { FieldError, Problem } from './http/problem';
export { problemTitle } from './http/problem-pages';
export { RateLimit } from './http/rate-limit';
export type { RateLimitOptions } from './http/rate-limit';
export { openServiceDatabase } from './service/open-service-database';
export { PeriodicTask } from './service/periodic-task';
export type { PeriodicTaskOptions } from './service/periodic-task';
export { runMain } from './service/run-main';
export { runSeed } from './service/run-seed';
export { runService } from './service/run-service';
export type {
  BackgroundWork,
  Consumer,
  RunningService,
  ServiceConfig,
  ServiceContext,
  ServiceDefinition,
  ServiceWiring,
} from './service/run-service';
