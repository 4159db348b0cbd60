import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error';

/** Validates the environment against a zod object schema and returns the typed config; throws ConfigError. */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => toProblem(issue, env)));
}

/** Parses the environment like parseEnv, but on a bad config prints the problems and exits 1. */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  try {
    return parseEnv(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

function toProblem(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): ConfigProblem {
  const variable = issue.path.map(String).join('.') || '(environment)';
  // zod words a missing variable as a type error ("expected string, received undefined"); say "required".
  return { variable, problem: env[variable] === undefined ? 'required' : issue.message };
}
