import type { z } from 'zod';

/** A command a worker handles: its routing key, payload schema and the result its success reply carries. */
export interface CommandContract<
  TType extends string = string,
  TPayload extends z.ZodType = z.ZodType,
  TResult extends z.ZodType = z.ZodType,
> {
  readonly type: TType;
  readonly schemaVersion: number;
  readonly payload: TPayload;
  readonly result: TResult;
}

export function defineCommand<TType extends string, TPayload extends z.ZodType, TResult extends z.ZodType>(
  type: TType,
  payload: TPayload,
  result: TResult,
  schemaVersion = 1,
): CommandContract<TType, TPayload, TResult> {
  return { type, schemaVersion, payload, result };
}

export type CommandPayload<C extends CommandContract> = z.infer<C['payload']>;
export type CommandResult<C extends CommandContract> = z.infer<C['result']>;
