/** One environment variable that is missing or malformed, and what is wrong with it. */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

/** Thrown by parseEnv when the environment does not satisfy the schema; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
