import type { CommandContract, CommandPayload, CommandResult } from '@saga/contracts';
import type { SagaFailure } from './state';

/** The three kinds of step, as a closed set. */
export const StepKind = {
  /** Undone by its compensation when a later step fails. */
  Compensatable: 'compensatable',
  /** The point of no return: once it succeeds the saga only moves forward. */
  Pivot: 'pivot',
  /** After the pivot: retried until it succeeds, never compensated, never fails the saga. */
  Retriable: 'retriable',
} as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

/** The command a step sends, built from the saga's data; its result may add to that data. */
export interface StepAction<Ctx, C extends CommandContract = CommandContract> {
  readonly command: C;
  payload(context: Ctx): CommandPayload<C>;
  onSuccess?(context: Ctx, result: CommandResult<C>): Partial<Ctx>;
}

/** The command that undoes a step, built from the saga's data and why the saga failed. */
export interface StepCompensation<Ctx, C extends CommandContract = CommandContract> {
  readonly command: C;
  payload(context: Ctx, failure: SagaFailure): CommandPayload<C>;
}

interface StepBase<Ctx> {
  readonly id: string;
  /** The step runs only when this holds for the saga's data; otherwise it is skipped (and logged). */
  when?(context: Ctx): boolean;
  /** How long the step's worker has to reply; the definition's default otherwise. */
  readonly timeoutMs?: number;
  readonly action: StepAction<Ctx>;
}

export interface CompensatableStep<Ctx> extends StepBase<Ctx> {
  readonly kind: typeof StepKind.Compensatable;
  readonly compensation: StepCompensation<Ctx>;
}

export interface PivotStep<Ctx> extends StepBase<Ctx> {
  readonly kind: typeof StepKind.Pivot;
  readonly compensation?: never;
}

export interface RetriableStep<Ctx> extends StepBase<Ctx> {
  readonly kind: typeof StepKind.Retriable;
  readonly compensation?: never;
}

export type SagaStep<Ctx> = CompensatableStep<Ctx> | PivotStep<Ctx> | RetriableStep<Ctx>;

/** What a step factory takes: everything but the kind, which the factory's name gives. */
export interface StepSpec<Ctx, A extends CommandContract> {
  readonly id: string;
  when?(context: Ctx): boolean;
  readonly timeoutMs?: number;
  readonly action: StepAction<Ctx, A>;
}

/** Step factories for one saga's data type, so each step file states its kind and commands once. */
export function stepsOf<Ctx>() {
  return {
    compensatable<A extends CommandContract, C extends CommandContract>(
      spec: StepSpec<Ctx, A> & { readonly compensation: StepCompensation<Ctx, C> },
    ): CompensatableStep<Ctx> {
      return { ...spec, kind: StepKind.Compensatable } as CompensatableStep<Ctx>;
    },
    pivot<A extends CommandContract>(spec: StepSpec<Ctx, A>): PivotStep<Ctx> {
      return { ...spec, kind: StepKind.Pivot } as PivotStep<Ctx>;
    },
    retriable<A extends CommandContract>(spec: StepSpec<Ctx, A>): RetriableStep<Ctx> {
      return { ...spec, kind: StepKind.Retriable } as RetriableStep<Ctx>;
    },
  };
}
