export { createHttpApp } from './http/create-http-app';
export type { FieldError, HttpApp } from './http/create-http-app';
export { HttpProblem, problemType } from './http/http-problem';
export { openServiceDatabase } from './service/open-service-database';
export { runMain } from './service/run-main';
export { runSeed } from './service/run-seed';
export { runService } from './service/run-service';
export type { Consumer, RunningService, ServiceConfig, ServiceContext, ServiceDefinition } from './service/run-service';
