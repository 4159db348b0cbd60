import { createHash } from 'node:crypto';
import { defaultSagaResendPolicy, type SagaResendPolicy } from '@saga/retry';
import {
  StepKind,
  type AnyStep,
  type CompensatableStep,
  type PivotStep,
  type Produced,
  type RetriableStep,
} from './step';

/** What a saga knows: its input, and what its steps added to it so far; persisted as JSON. */
export type SagaContext = Readonly<Record<string, unknown>>;

/** A saga: its steps in order, and the limits the engine applies to them. */
export interface SagaDefinition<Input> extends SagaResendPolicy {
  readonly name: string;
  /** Bumped whenever the steps change; instances run to their end on the version they started on. */
  readonly version: number;
  readonly steps: readonly AnyStep[];
  /** A hash of the step list (ids, kinds, commands, conditions): what this version stands for. */
  readonly fingerprint: string;
  /** The context a saga starts with, from its input. */
  readonly contextOf: (input: Input) => SagaContext;
  /** Deadline for a step whose own timeoutMs is not set. */
  readonly defaultTimeoutMs: number;
}

/** A definition whatever its input, as the engine runs it past the start. */
export type AnySagaDefinition = SagaDefinition<never>;

/** The limits a definition may set or a deployment may override (see withLimits). */
export interface SagaLimits {
  readonly defaultTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

/**
 * Before the pivot: compensatable steps, then at most one pivot. `Ctx` is what the saga knows at this
 * point, its input and what the steps so far produce: a step that reads more does not fit, and its
 * compensation may read what its own action produced.
 */
export interface SagaBuilder<Input, Ctx> {
  step<Out, C extends boolean>(
    step: CompensatableStep<Ctx, Out, Ctx & Out, C>,
  ): SagaBuilder<Input, Ctx & Produced<Out, C>>;
  pivot<Out>(step: PivotStep<Ctx, Out>): AfterPivotBuilder<Input, Ctx & Out>;
  build(): SagaDefinition<Input>;
}

/** After the pivot: only retriable steps, and no second pivot. */
export interface AfterPivotBuilder<Input, Ctx> {
  step<Out, C extends boolean>(step: RetriableStep<Ctx, Out, C>): AfterPivotBuilder<Input, Ctx & Produced<Out, C>>;
  build(): SagaDefinition<Input>;
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
 * Starts a saga definition. The builder's types carry the step taxonomy (compensatable steps first,
 * then at most one pivot, after which only retriable steps fit) and the data between steps.
 */
export function defineSaga<Input extends object>(
  name: string,
  version: number,
  limits: SagaLimits = {},
): SagaBuilder<Input, Input> {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InvalidSagaDefinitionError(name, `version ${version} is not a positive integer`);
  }
  const steps: AnyStep[] = [];
  const build = (): SagaDefinition<Input> => {
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
        fingerprint: fingerprintOf(steps),
        contextOf: (input) => ({ ...input }) as SagaContext,
        defaultTimeoutMs: 30_000,
        ...defaultSagaResendPolicy,
      },
      limits,
    );
  };
  // The types above do the checking; underneath, every builder appends to one list.
  const add = (step: object) => steps.push(step as AnyStep);
  const afterPivot: AfterPivotBuilder<Input, never> = {
    step(step) {
      add(step);
      return afterPivot;
    },
    build,
  };
  const beforePivot: SagaBuilder<Input, never> = {
    step(step) {
      add(step);
      return beforePivot;
    },
    pivot(step) {
      add(step);
      return afterPivot;
    },
    build,
  };
  return beforePivot as unknown as SagaBuilder<Input, Input>;
}

/** The same saga with other limits (say, from a deployment's configuration); undefined keeps a limit. */
export function withLimits<Input>(definition: SagaDefinition<Input>, limits: SagaLimits): SagaDefinition<Input> {
  const defined = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  return { ...definition, ...defined };
}

/** Whether a step has an undo that the saga runs when a later step fails. */
export function isCompensatable(step: AnyStep): step is CompensatableStep<never, unknown, never> {
  return step.kind === StepKind.Compensatable;
}

/** One step as a running instance depends on it: what a version's fingerprint is made of. */
export interface StepShape {
  readonly id: string;
  readonly kind: StepKind;
  readonly action: string;
  readonly compensation: string | null;
  readonly conditional: boolean;
}

/**
 * The step list of a definition as its instances depend on it: ids and kinds in order, the commands
 * they send and whether they are conditional. Limits and payload code may change within a version;
 * these may not.
 */
export function stepListOf(steps: readonly AnyStep[]): StepShape[] {
  return steps.map((step) => ({
    id: step.id,
    kind: step.kind,
    action: step.action.command.type,
    compensation: step.compensation?.command.type ?? null,
    conditional: step.conditional,
  }));
}

function fingerprintOf(steps: readonly AnyStep[]): string {
  return createHash('sha256')
    .update(JSON.stringify(stepListOf(steps)))
    .digest('hex')
    .slice(0, 16);
}
