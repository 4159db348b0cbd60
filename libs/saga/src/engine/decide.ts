import { FailureCode, InvalidMessageError, isRetryable, type Failure, type SagaReply } from '@saga/contracts';
import { sagaResendDelayMs } from '@saga/retry';
import { isCompensatable, type AnySagaDefinition, type SagaContext, type SagaDefinition } from './definition';
import {
  SagaStatus,
  isTerminal,
  type AwaitedCommand,
  type CommandPhase,
  type SagaFailure,
  type SagaState,
  type Stall,
} from './state';
import { StepKind, type AnyStep } from './step';

/** What the engine may not decide for itself: the time, fresh ids and chance (for retry jitter). */
export interface EngineClock {
  readonly now: Date;
  newId(): string;
  /** A number in [0, 1). */
  random(): number;
}

/** A command the engine wants sent, written to the outbox with the new state. */
export interface PlannedCommand {
  readonly commandId: string;
  readonly type: string;
  readonly payload: unknown;
  readonly stepId: string;
  readonly phase: CommandPhase;
  readonly attempt: number;
  /** A re-send waits until then (backoff); null sends at once. */
  readonly notBefore: string | null;
}

export const SagaLogType = {
  SagaStarted: 'saga-started',
  StepStarted: 'step-started',
  StepSkipped: 'step-skipped',
  StepSucceeded: 'step-succeeded',
  StepFailed: 'step-failed',
  StepTimedOut: 'step-timed-out',
  StepRetried: 'step-retried',
  CompensationStarted: 'compensation-started',
  CompensationSucceeded: 'compensation-succeeded',
  CompensationFailed: 'compensation-failed',
  CompensationTimedOut: 'compensation-timed-out',
  CompensationRetried: 'compensation-retried',
  SagaCompleted: 'saga-completed',
  SagaFailed: 'saga-failed',
  SagaNeedsAttention: 'saga-requires-attention',
  SagaResumed: 'saga-resumed',
  /** An operator marked the step the saga waited on as done by hand. */
  StepMarkedDone: 'step-marked-done',
  CompensationMarkedDone: 'compensation-marked-done',
  /** An operator turned a saga not past its pivot to compensation. */
  CompensationForced: 'compensation-forced',
  SagaCancelled: 'saga-cancelled',
  /** An operator stopped the saga without compensating anything. */
  SagaKilled: 'saga-killed',
  DeadlineExtended: 'deadline-extended',
  DeadlineFired: 'deadline-fired',
  /** An operator put one of the saga's dead letters back on its queue, or deleted it. */
  DeadLetterReplayed: 'dead-letter-replayed',
  DeadLetterPurged: 'dead-letter-purged',
} as const;
export type SagaLogType = (typeof SagaLogType)[keyof typeof SagaLogType];

/** One transition as the append-only saga log records it. */
export interface SagaLogEntry {
  readonly type: SagaLogType;
  readonly stepId: string | null;
  readonly commandId: string | null;
  readonly data: Record<string, unknown>;
}

/** The engine's answer: the next state, the commands to send and what to log. */
export interface SagaDecision {
  readonly state: SagaState;
  readonly commands: readonly PlannedCommand[];
  readonly log: readonly SagaLogEntry[];
}

/** A decision, or why the event changes nothing (a stale reply, a deadline not yet passed, ...). */
export type Decision =
  ({ readonly accepted: true } & SagaDecision) | { readonly accepted: false; readonly reason: string };

/** Thrown when a worker's success result does not match its command's result schema; dead-lettered. */
export class InvalidReplyError extends InvalidMessageError {
  constructor(
    readonly commandType: string,
    detail: string,
  ) {
    super(`reply to ${commandType} is invalid: ${detail}`, 'saga.reply');
    this.name = 'InvalidReplyError';
  }
}

/** What every decision about one saga is made with: its definition and the clock. */
export interface Engine {
  readonly definition: AnySagaDefinition;
  readonly clock: EngineClock;
}

/** Why the awaited command is sent again or given up on: its log entry, and what happened in words. */
interface Setback {
  readonly entry: SagaLogEntry;
  /** Follows the command type in a sentence: `got no reply by ...`, `failed with out_of_stock: ...`. */
  readonly what: string;
}

/** Starts a saga: the first step that applies is sent, or the saga completes at once if none does. */
export function startSaga<Input>(definition: SagaDefinition<Input>, input: Input, clock: EngineClock): SagaDecision {
  const context = definition.contextOf(input);
  const initial: SagaState = {
    status: SagaStatus.Running,
    context,
    completedSteps: [],
    compensatedSteps: [],
    awaiting: null,
    failure: null,
    stalled: null,
  };
  const started: SagaLogEntry = {
    type: SagaLogType.SagaStarted,
    stepId: null,
    commandId: null,
    data: { definition: definition.name, version: definition.version, context },
  };
  return prepend(started, advance({ definition, clock }, initial, 0));
}

/**
 * Applies a worker's reply. Only the reply to the command the saga waits for is accepted; anything
 * else (a duplicate, a late reply to a retried command, a reply after the end) changes nothing.
 *
 * A failure's code decides what follows (isRetryable): a failure that may pass is sent again after a
 * backoff, up to maxAttempts; one that cannot turns a step before the pivot into compensation, and
 * stops a step after it, or a compensation, for a person at once, since trying again would not help.
 */
export function applyReply(
  definition: AnySagaDefinition,
  state: SagaState,
  reply: SagaReply,
  clock: EngineClock,
): Decision {
  const engine = { definition, clock };
  const awaiting = state.awaiting;
  if (isTerminal(state.status)) return { accepted: false, reason: `saga is already ${state.status}` };
  if (!awaiting) return { accepted: false, reason: 'saga awaits no reply' };
  if (awaiting.commandId !== reply.commandId) {
    return { accepted: false, reason: `saga awaits command ${awaiting.commandId}, not ${reply.commandId}` };
  }
  const index = stepIndex(definition, awaiting.stepId);
  const step = definition.steps[index];
  const settled: SagaState = { ...state, awaiting: null };

  if (reply.outcome === 'success') {
    if (awaiting.phase === 'compensation') {
      const done = { ...settled, compensatedSteps: [...state.compensatedSteps, step.id] };
      return accept(prepend(logOf(SagaLogType.CompensationSucceeded, awaiting), compensateNext(engine, done)));
    }
    const parsed = step.action.command.result.safeParse(reply.result);
    if (!parsed.success) throw new InvalidReplyError(awaiting.commandType, parsed.error.message);
    const addition = (step.action.produces?.(parsed.data) ?? {}) as SagaContext;
    const done: SagaState = {
      ...settled,
      context: { ...state.context, ...addition },
      completedSteps: [...state.completedSteps, step.id],
    };
    const succeeded = logOf(SagaLogType.StepSucceeded, awaiting, { result: parsed.data, contextChanges: addition });
    return accept(prepend(succeeded, advance(engine, done, index + 1)));
  }

  const { failure } = reply;
  const mayPass = isRetryable(failure.code);
  const type = awaiting.phase === 'compensation' ? SagaLogType.CompensationFailed : SagaLogType.StepFailed;
  const setback = {
    entry: logOf(type, awaiting, { failure }),
    what: `failed with ${failure.code}: ${failure.message}`,
  };
  const triesLeft = awaiting.attempt < definition.maxAttempts;
  // After the pivot, and for a compensation, there is no way back: only trying again, or a person.
  if (awaiting.phase === 'compensation' || step.kind === StepKind.Retriable) {
    return accept(
      mayPass ? retryOrStall(engine, settled, awaiting, setback) : stall(engine, settled, awaiting, setback),
    );
  }
  if (mayPass && triesLeft) return accept(resend(engine, settled, awaiting, setback));
  return accept(prepend(setback.entry, beginCompensation(engine, settled, failureOf(step.id, failure))));
}

/**
 * Acts on a passed deadline. A compensatable step that did not answer counts as failed, and is itself
 * compensated too, since it may have run: its worker records a tombstone so that a late action is
 * refused. The pivot and retriable steps are sent again instead (their outcome may be unknown, never
 * undone), and so is a compensation; past maxAttempts the saga needs a person.
 */
export function applyTimeout(definition: AnySagaDefinition, state: SagaState, clock: EngineClock): Decision {
  const engine = { definition, clock };
  const awaiting = state.awaiting;
  if (isTerminal(state.status) || !awaiting) return { accepted: false, reason: 'saga awaits no reply' };
  if (Date.parse(awaiting.deadlineAt) > clock.now.getTime()) {
    return { accepted: false, reason: `deadline ${awaiting.deadlineAt} has not passed` };
  }
  const step = definition.steps[stepIndex(definition, awaiting.stepId)];
  const settled: SagaState = { ...state, awaiting: null };
  const type = awaiting.phase === 'compensation' ? SagaLogType.CompensationTimedOut : SagaLogType.StepTimedOut;
  const setback = {
    entry: logOf(type, awaiting, { deadlineAt: awaiting.deadlineAt }),
    what: `got no reply by ${awaiting.deadlineAt}`,
  };
  if (awaiting.phase === 'compensation' || !isCompensatable(step)) {
    return accept(retryOrStall(engine, settled, awaiting, setback));
  }
  const failure: SagaFailure = {
    stepId: step.id,
    code: FailureCode.StepTimedOut,
    message: `The order timed out at ${step.id} and was cancelled; nothing was charged.`,
  };
  const mayHaveRun: SagaState = { ...settled, completedSteps: [...state.completedSteps, step.id] };
  return accept(prepend(setback.entry, beginCompensation(engine, mayHaveRun, failure)));
}

/**
 * Stops a saga for a person without asking its definition: for a saga this build cannot run (its
 * version or a step unknown here, a decision that threw). Nothing is sent; the command it awaited,
 * if any, is where a resume starts again once a build that knows it runs the saga.
 */
export function parkSaga(state: SagaState, reason: string, clock: EngineClock): Decision {
  if (isTerminal(state.status)) return { accepted: false, reason: `saga is already ${state.status}` };
  if (state.status === SagaStatus.RequiresAttention) return { accepted: false, reason: 'saga already needs attention' };
  const at = state.awaiting;
  const stalled = {
    stepId: at?.stepId ?? state.completedSteps.at(-1) ?? '',
    phase: at?.phase ?? (state.status === SagaStatus.Compensating ? 'compensation' : 'action'),
    reason,
    since: clock.now.toISOString(),
    ...(at ? { stepStartedAt: at.stepStartedAt ?? at.sentAt } : {}),
  } as const;
  return accept(stopForAPerson(state, stalled));
}

/** Turns the saga around: records why it failed and undoes completed steps, last first. */
export function beginCompensation(engine: Engine, state: SagaState, failure: SagaFailure): SagaDecision {
  return compensateNext(engine, { ...state, status: SagaStatus.Compensating, failure });
}

/** Sends the awaited command again after a backoff, or, past maxAttempts, stops for a person. */
function retryOrStall(engine: Engine, state: SagaState, awaiting: AwaitedCommand, setback: Setback): SagaDecision {
  if (awaiting.attempt < engine.definition.maxAttempts) return resend(engine, state, awaiting, setback);
  return stall(engine, state, awaiting, {
    ...setback,
    what: `failed ${awaiting.attempt} times; last: ${setback.what}`,
  });
}

/** Sends the awaited command again, with a new command id, once the backoff of its attempt has passed. */
function resend(engine: Engine, state: SagaState, awaiting: AwaitedCommand, setback: Setback): SagaDecision {
  const { definition, clock } = engine;
  const delayMs = sagaResendDelayMs(definition, awaiting.attempt, clock.random());
  const again = {
    phase: awaiting.phase,
    attempt: awaiting.attempt + 1,
    notBefore: new Date(clock.now.getTime() + delayMs),
    stepStartedAt: awaiting.stepStartedAt ?? awaiting.sentAt,
  };
  const relabel = awaiting.phase === 'compensation' ? SagaLogType.CompensationRetried : SagaLogType.StepRetried;
  return prepend(setback.entry, send(engine, state, stepIndex(definition, awaiting.stepId), again), relabel);
}

/** Stops the saga for a person: nothing is sent until an operator resumes it. */
function stall(engine: Engine, state: SagaState, awaiting: AwaitedCommand, setback: Setback): SagaDecision {
  const stalled = {
    stepId: awaiting.stepId,
    phase: awaiting.phase,
    reason: `${awaiting.commandType} ${setback.what}`,
    since: engine.clock.now.toISOString(),
    stepStartedAt: awaiting.stepStartedAt ?? awaiting.sentAt,
  };
  return prepend(setback.entry, stopForAPerson(state, stalled));
}

/** The saga waits for a person where it stalled: nothing is sent, and the log says where and why. */
function stopForAPerson(state: SagaState, stalled: Stall): SagaDecision {
  return {
    state: { ...state, status: SagaStatus.RequiresAttention, awaiting: null, stalled },
    commands: [],
    log: [{ type: SagaLogType.SagaNeedsAttention, stepId: stalled.stepId, commandId: null, data: { ...stalled } }],
  };
}

export function advance(engine: Engine, state: SagaState, from: number): SagaDecision {
  const { steps } = engine.definition;
  const skipped: SagaLogEntry[] = [];
  for (let index = from; index < steps.length; index++) {
    const step = steps[index];
    if (step.when && !step.when(state.context as never)) {
      skipped.push({ type: SagaLogType.StepSkipped, stepId: step.id, commandId: null, data: {} });
      continue;
    }
    return prepend(skipped, send(engine, state, index, { phase: 'action', attempt: 1, notBefore: null }));
  }
  const completed: SagaState = { ...state, status: SagaStatus.Completed, awaiting: null };
  return {
    state: completed,
    commands: [],
    log: [...skipped, { type: SagaLogType.SagaCompleted, stepId: null, commandId: null, data: {} }],
  };
}

export function compensateNext(engine: Engine, state: SagaState): SagaDecision {
  const [next] = compensationsDue(engine.definition, state);
  if (next === undefined) {
    const failed: SagaState = { ...state, status: SagaStatus.Failed, awaiting: null };
    return {
      state: failed,
      commands: [],
      log: [{ type: SagaLogType.SagaFailed, stepId: null, commandId: null, data: { failure: state.failure } }],
    };
  }
  return send(engine, state, stepIndex(engine.definition, next.id), {
    phase: 'compensation',
    attempt: 1,
    notBefore: null,
  });
}

/** The compensatable steps that ran and are not undone yet, in the order they are to be undone: last first. */
export function compensationsDue(definition: AnySagaDefinition, state: SagaState): AnyStep[] {
  return [...state.completedSteps]
    .reverse()
    .map((id) => definition.steps[stepIndex(definition, id)])
    .filter((step) => isCompensatable(step) && !state.compensatedSteps.includes(step.id));
}

/** Which command of a step to send: its action or its compensation, which attempt, and not before when. */
interface Sending {
  readonly phase: CommandPhase;
  readonly attempt: number;
  /** A re-send waits until then (backoff); null sends at once. */
  readonly notBefore: Date | null;
  /** When the phase first sent its command, for a re-send or a resume. */
  readonly stepStartedAt?: string;
}

/** Sends a step's action or compensation, built from the saga's context, and awaits its reply. */
export function send(engine: Engine, state: SagaState, index: number, sending: Sending): SagaDecision {
  const { definition, clock } = engine;
  const step = definition.steps[index];
  const { phase, attempt, notBefore } = sending;
  const { type, payload } = commandOf(step, phase, state);
  const commandId = clock.newId();
  const sentAt = notBefore ?? clock.now;
  const timeoutMs = step.timeoutMs ?? definition.defaultTimeoutMs;
  const awaiting: AwaitedCommand = {
    commandId,
    commandType: type,
    stepId: step.id,
    phase,
    attempt,
    sentAt: sentAt.toISOString(),
    deadlineAt: new Date(sentAt.getTime() + timeoutMs).toISOString(),
    ...(sending.stepStartedAt ? { stepStartedAt: sending.stepStartedAt } : {}),
  };
  return {
    state: { ...state, awaiting },
    commands: [
      { commandId, type, payload, stepId: step.id, phase, attempt, notBefore: notBefore?.toISOString() ?? null },
    ],
    log: [
      logOf(phase === 'action' ? SagaLogType.StepStarted : SagaLogType.CompensationStarted, awaiting, {
        commandType: type,
        attempt,
        ...(notBefore ? { notBefore: notBefore.toISOString() } : {}),
      }),
    ],
  };
}

export function commandOf(step: AnyStep, phase: CommandPhase, state: SagaState): { type: string; payload: unknown } {
  if (phase === 'action') {
    return { type: step.action.command.type, payload: step.action.payload(state.context as never) };
  }
  if (!isCompensatable(step)) throw new Error(`step ${step.id} has no compensation`);
  const failure = state.failure ?? { stepId: step.id, code: 'unknown', message: 'the saga failed' };
  return { type: step.compensation.command.type, payload: step.compensation.payload(state.context as never, failure) };
}

function failureOf(stepId: string, failure: Failure): SagaFailure {
  return { stepId, code: failure.code, message: failure.message };
}

export function stepIndex(definition: AnySagaDefinition, stepId: string): number {
  const index = definition.steps.findIndex((s) => s.id === stepId);
  if (index < 0) throw new Error(`saga ${definition.name} v${definition.version} has no step ${stepId}`);
  return index;
}

function logOf(type: SagaLogType, command: AwaitedCommand, data: Record<string, unknown> = {}): SagaLogEntry {
  return { type, stepId: command.stepId, commandId: command.commandId, data };
}

/** Puts entries before a decision's own log; a retry relabels the resend as a retry. */
export function prepend(
  entries: SagaLogEntry | readonly SagaLogEntry[],
  decision: SagaDecision,
  relabelFirst?: SagaLogType,
): SagaDecision {
  const log = relabelFirst ? decision.log.map((e, i) => (i === 0 ? { ...e, type: relabelFirst } : e)) : decision.log;
  return { ...decision, log: [...(Array.isArray(entries) ? entries : [entries]), ...log] };
}

export function accept(decision: SagaDecision): Decision {
  return { accepted: true, ...decision };
}
