export { ConfigError } from './config-error';
export type { ConfigProblem } from './config-error';
export { amqpUrl, baseEnv, databaseUrl, httpHost, httpPort, logLevel, namespace, retryDelaysMs } from './fields';
export { loadConfig, parseEnv } from './parse-env';
