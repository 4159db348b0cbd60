export { ConfigError } from './config-error';
export type { ConfigProblem } from './config-error';
export {
  amqpUrl,
  authEnv,
  baseEnv,
  databaseUrl,
  httpHost,
  httpPort,
  logLevel,
  messageRetention,
  namespace,
  optionalRetentionPeriod,
  retentionPeriod,
  retryDelaysMs,
  trustProxy,
} from './fields';
export { loadConfig, parseEnv } from './parse-env';
