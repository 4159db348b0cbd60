import { StepKind, type CompensatableStep, type PivotStep, type RetriableStep, type SagaStep } from './step';

/** A saga: its steps in order, and the limits the engine applies to them. */
export interface SagaDefinition<Ctx> {
  readonly name: string;
  readonly version: number;
  readonly steps: readonly SagaStep<Ctx>[];
  /** Deadline for a step whose own timeoutMs is not set. */
  readonly defaultTimeoutMs: number;
  /** How many times a command is sent (first try included) before the saga needs a person. */
  readonly maxAttempts: number;
  /** The wait before the first re-send; it doubles with each attempt, with jitter, up to retryMaxDelayMs. */
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
}

/** The limits a definition may set or a deployment may override (see withLimits). */
export interface SagaLimits {
  readonly defaultTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

/** Before the pivot: compensatable steps, then at most one pivot. */
export interface SagaBuilder<Ctx> {
  step(step: CompensatableStep<Ctx>): SagaBuilder<Ctx>;
  pivot(step: PivotStep<Ctx>): AfterPivotBuilder<Ctx>;
  build(): SagaDefinition<Ctx>;
}

/** After the pivot: only retriable steps, and no second pivot. */
export interface AfterPivotBuilder<Ctx> {
  step(step: RetriableStep<Ctx>): AfterPivotBuilder<Ctx>;
  build(): SagaDefinition<Ctx>;
}

/** Thrown by build() for a definition the types could not rule out (a repeated step id). */
export class InvalidSagaDefinitionError extends Error {
  constructor(
    readonly sagaName: string,
    detail: string,
  ) {
    super(`saga ${sagaName}: ${detail}`);
    this.name = 'InvalidSagaDefinitionError';
  }
}

/**
 * Starts a saga definition. The builder's types carry the step taxonomy: compensatable steps come
 * first, then at most one pivot, after which only retriable steps (which have no compensation) fit.
 */
export function defineSaga<Ctx>(name: string, version: number, limits: SagaLimits = {}): SagaBuilder<Ctx> {
  const steps: SagaStep<Ctx>[] = [];
  const build = (): SagaDefinition<Ctx> => {
    const ids = new Set<string>();
    for (const step of steps) {
      if (ids.has(step.id)) throw new InvalidSagaDefinitionError(name, `step id ${step.id} is used twice`);
      ids.add(step.id);
    }
    if (steps.length === 0) throw new InvalidSagaDefinitionError(name, 'it has no steps');
    return withLimits(
      {
        name,
        version,
        steps: [...steps],
        defaultTimeoutMs: 30_000,
        maxAttempts: 5,
        retryBaseDelayMs: 1_000,
        retryMaxDelayMs: 60_000,
      },
      limits,
    );
  };
  const afterPivot: AfterPivotBuilder<Ctx> = {
    step(step) {
      steps.push(step);
      return afterPivot;
    },
    build,
  };
  const beforePivot: SagaBuilder<Ctx> = {
    step(step) {
      steps.push(step);
      return beforePivot;
    },
    pivot(step) {
      steps.push(step);
      return afterPivot;
    },
    build,
  };
  return beforePivot;
}

/** The same saga with other limits (say, from a deployment's configuration); undefined keeps a limit. */
export function withLimits<Ctx>(definition: SagaDefinition<Ctx>, limits: SagaLimits): SagaDefinition<Ctx> {
  const defined = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  return { ...definition, ...defined };
}

/** Whether a step has an undo that the saga runs when a later step fails. */
export function isCompensatable<Ctx>(step: SagaStep<Ctx>): step is CompensatableStep<Ctx> {
  return step.kind === StepKind.Compensatable;
}
