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

// `payload` and `when` are properties, not methods: TypeScript then checks their parameter strictly,
// so a step that reads more than the saga has produced by then does not fit the builder.

/** The command a step sends, built from what it reads of the saga's context; its result may add to it. */
export interface StepAction<In, C extends CommandContract, Out> {
  readonly command: C;
  readonly payload: (context: In) => CommandPayload<C>;
  /** What the step adds to the saga's context from its result: later steps may read it. */
  produces?(result: CommandResult<C>): Out;
}

/** The command that undoes a step, built from what its undo needs and why the saga failed. */
export interface StepCompensation<In, C extends CommandContract> {
  readonly command: C;
  readonly payload: (context: In, failure: SagaFailure) => CommandPayload<C>;
}

interface StepBase<In, Out, Conditional extends boolean> {
  readonly id: string;
  /** Whether the step has a `when`: the steps after it then may not find what it produces. */
  readonly conditional: Conditional;
  /** The step runs only when this holds for the saga's context; otherwise it is skipped (and logged). */
  readonly when?: (context: In) => boolean;
  /** How long the step's worker has to reply; the definition's default otherwise. */
  readonly timeoutMs?: number;
  readonly action: StepAction<In, CommandContract, Out>;
}

/** A step that reads `In`, adds `Out`, and whose undo reads `UndoIn` (which may include `Out`). */
export interface CompensatableStep<In, Out, UndoIn, Conditional extends boolean = boolean> extends StepBase<
  In,
  Out,
  Conditional
> {
  readonly kind: typeof StepKind.Compensatable;
  readonly compensation: StepCompensation<UndoIn, CommandContract>;
}

export interface PivotStep<In, Out> extends StepBase<In, Out, false> {
  readonly kind: typeof StepKind.Pivot;
  readonly compensation?: never;
}

export interface RetriableStep<In, Out, Conditional extends boolean = boolean> extends StepBase<In, Out, Conditional> {
  readonly kind: typeof StepKind.Retriable;
  readonly compensation?: never;
}

/** Any step, as the engine runs it: it passes the whole context, which the builder checked is enough. */
export type AnyStep =
  CompensatableStep<never, unknown, never> | PivotStep<never, unknown> | RetriableStep<never, unknown>;

/** What the steps after a step find of what it produces: all of it, or, if it may be skipped, maybe. */
export type Produced<Out, Conditional extends boolean> = Conditional extends true ? Partial<Out> : Out;

/** What a step factory takes: everything but the kind, which the factory's name gives. */
interface StepSpec<In, A extends CommandContract, Out> {
  readonly id: string;
  readonly timeoutMs?: number;
  readonly action: StepAction<In, A, Out>;
}

/** A step that runs only when its condition holds; later steps may find nothing it would have added. */
interface Conditional<In> {
  readonly when: (context: In) => boolean;
}

type CompensatableSpec<In, UndoIn, A extends CommandContract, C extends CommandContract, Out> = StepSpec<In, A, Out> & {
  readonly compensation: StepCompensation<UndoIn, C>;
};

/** A step with an undo, run in reverse order when a later step fails. */
export function compensatable<In, UndoIn, A extends CommandContract, C extends CommandContract, Out = object>(
  spec: CompensatableSpec<In, UndoIn, A, C, Out> & Conditional<In>,
): CompensatableStep<In, Out, UndoIn, true>;
export function compensatable<In, UndoIn, A extends CommandContract, C extends CommandContract, Out = object>(
  spec: CompensatableSpec<In, UndoIn, A, C, Out>,
): CompensatableStep<In, Out, UndoIn, false>;
export function compensatable(spec: object): object {
  return { ...spec, kind: StepKind.Compensatable, conditional: isConditional(spec) };
}

/** The point of no return: no undo, and once it succeeds the saga only moves forward. */
export function pivot<In, A extends CommandContract, Out = object>(spec: StepSpec<In, A, Out>): PivotStep<In, Out> {
  return { ...spec, kind: StepKind.Pivot, conditional: false } as PivotStep<In, Out>;
}

/** A step after the pivot: retried until it succeeds. */
export function retriable<In, A extends CommandContract, Out = object>(
  spec: StepSpec<In, A, Out> & Conditional<In>,
): RetriableStep<In, Out, true>;
export function retriable<In, A extends CommandContract, Out = object>(
  spec: StepSpec<In, A, Out>,
): RetriableStep<In, Out, false>;
export function retriable(spec: object): object {
  return { ...spec, kind: StepKind.Retriable, conditional: isConditional(spec) };
}

function isConditional(spec: object): boolean {
  return 'when' in spec && spec.when !== undefined;
}
