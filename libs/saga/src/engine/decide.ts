import { FailureCode, InvalidMessageError, type Failure, type SagaReply } from '@saga/contracts';
import { sagaResendDelayMs } from '@saga/retry';
import { isCompensatable, type AnySagaDefinition, type SagaContext, type SagaDefinition } from './definition';
import {
  SagaStatus,
  isTerminal,
  type AwaitedCommand,
  type CommandPhase,
  type SagaFailure,
  type SagaState,
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
  return prepend(started, advance(definition, initial, 0, clock));
}

/**
 * Applies a worker's reply. Only the reply to the command the saga waits for is accepted; anything
 * else (a duplicate, a late reply to a retried command, a reply after the end) changes nothing.
 */
export function applyReply(
  definition: AnySagaDefinition,
  state: SagaState,
  reply: SagaReply,
  clock: EngineClock,
): Decision {
  const awaiting = state.awaiting;
  if (isTerminal(state.status)) return { accepted: false, reason: `saga is already ${state.status}` };
  if (!awaiting) return { accepted: false, reason: 'saga awaits no reply' };
  if (awaiting.commandId !== reply.commandId) {
    return { accepted: false, reason: `saga awaits command ${awaiting.commandId}, not ${reply.commandId}` };
  }
  const index = stepIndex(definition, awaiting.stepId);
  const step = definition.steps[index];
  const settled: SagaState = { ...state, awaiting: null };

  if (awaiting.phase === 'compensation') {
    if (reply.outcome === 'success') {
      const done = { ...settled, compensatedSteps: [...state.compensatedSteps, step.id] };
      return accept(
        prepend(logOf(SagaLogType.CompensationSucceeded, awaiting), compensateNext(definition, done, clock)),
      );
    }
    const failed = logOf(SagaLogType.CompensationFailed, awaiting, { failure: reply.failure });
    return accept(retryOrStall(definition, settled, awaiting, failed, reply.failure.message, clock));
  }

  if (reply.outcome === 'success') {
    const parsed = step.action.command.result.safeParse(reply.result);
    if (!parsed.success) throw new InvalidReplyError(awaiting.commandType, parsed.error.message);
    const addition = (step.action.produces?.(parsed.data) ?? {}) as SagaContext;
    const done: SagaState = {
      ...settled,
      context: { ...state.context, ...addition },
      completedSteps: [...state.completedSteps, step.id],
    };
    const succeeded = logOf(SagaLogType.StepSucceeded, awaiting, { result: parsed.data, contextChanges: addition });
    return accept(prepend(succeeded, advance(definition, done, index + 1, clock)));
  }

  const failed = logOf(SagaLogType.StepFailed, awaiting, { failure: reply.failure });
  if (step.kind === StepKind.Retriable) {
    // Past the pivot there is no going back: a failing retriable step is retried, then escalated.
    return accept(retryOrStall(definition, settled, awaiting, failed, reply.failure.message, clock));
  }
  return accept(prepend(failed, beginCompensation(definition, settled, failureOf(step.id, reply.failure), clock)));
}

/**
 * Acts on a passed deadline. A compensatable step that did not answer counts as failed, and is itself
 * compensated too, since it may have run: its worker records a tombstone so that a late action is
 * refused. The pivot and retriable steps are sent again instead (their outcome may be unknown, never
 * undone), and so is a compensation; past maxAttempts the saga needs a person.
 */
export function applyTimeout(definition: AnySagaDefinition, state: SagaState, clock: EngineClock): Decision {
  const awaiting = state.awaiting;
  if (isTerminal(state.status) || !awaiting) return { accepted: false, reason: 'saga awaits no reply' };
  if (Date.parse(awaiting.deadlineAt) > clock.now.getTime()) {
    return { accepted: false, reason: `deadline ${awaiting.deadlineAt} has not passed` };
  }
  const step = definition.steps[stepIndex(definition, awaiting.stepId)];
  const settled: SagaState = { ...state, awaiting: null };
  const reason = `${awaiting.commandType} got no reply by ${awaiting.deadlineAt}`;
  if (awaiting.phase === 'compensation') {
    const timedOut = logOf(SagaLogType.CompensationTimedOut, awaiting, { deadlineAt: awaiting.deadlineAt });
    return accept(retryOrStall(definition, settled, awaiting, timedOut, reason, clock));
  }
  const timedOut = logOf(SagaLogType.StepTimedOut, awaiting, { deadlineAt: awaiting.deadlineAt });
  if (!isCompensatable(step)) return accept(retryOrStall(definition, settled, awaiting, timedOut, reason, clock));
  const failure: SagaFailure = {
    stepId: step.id,
    code: FailureCode.StepTimedOut,
    message: `The order timed out at ${step.id} and was cancelled; nothing was charged.`,
  };
  const mayHaveRun: SagaState = { ...settled, completedSteps: [...state.completedSteps, step.id] };
  return accept(prepend(timedOut, beginCompensation(definition, mayHaveRun, failure, clock)));
}

/** Sends again, at once, the command a saga gave up on: an operator's decision once the cause is fixed. */
export function resumeSaga(definition: AnySagaDefinition, state: SagaState, clock: EngineClock): Decision {
  const stalled = state.stalled;
  if (state.status !== SagaStatus.RequiresAttention || !stalled) {
    return {
      accepted: false,
      reason: `only a saga in ${SagaStatus.RequiresAttention} can be resumed, not ${state.status}`,
    };
  }
  const step = definition.steps[stepIndex(definition, stalled.stepId)];
  const status = stalled.phase === 'compensation' ? SagaStatus.Compensating : SagaStatus.Running;
  const resumed: SagaState = { ...state, status, stalled: null };
  const entry: SagaLogEntry = {
    type: SagaLogType.SagaResumed,
    stepId: step.id,
    commandId: null,
    data: { phase: stalled.phase, stalledSince: stalled.since, reason: stalled.reason },
  };
  const decision =
    stalled.phase === 'compensation'
      ? sendCompensation(definition, resumed, step, 1, null, clock)
      : sendAction(definition, resumed, stepIndex(definition, step.id), 1, null, clock);
  return accept(prepend(entry, decision));
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
  } as const;
  return accept({
    state: { ...state, status: SagaStatus.RequiresAttention, awaiting: null, stalled },
    commands: [],
    log: [{ type: SagaLogType.SagaNeedsAttention, stepId: stalled.stepId, commandId: null, data: { ...stalled } }],
  });
}

/** Turns the saga around: records why it failed and undoes completed steps, last first. */
function beginCompensation(
  definition: AnySagaDefinition,
  state: SagaState,
  failure: SagaFailure,
  clock: EngineClock,
): SagaDecision {
  return compensateNext(definition, { ...state, status: SagaStatus.Compensating, failure }, clock);
}

/** Sends the awaited command again after a backoff, or, past maxAttempts, stops for a person. */
function retryOrStall(
  definition: AnySagaDefinition,
  state: SagaState,
  awaiting: AwaitedCommand,
  cause: SagaLogEntry,
  reason: string,
  clock: EngineClock,
): SagaDecision {
  const step = definition.steps[stepIndex(definition, awaiting.stepId)];
  if (awaiting.attempt >= definition.maxAttempts) {
    const stalled = {
      stepId: step.id,
      phase: awaiting.phase,
      reason: `${awaiting.commandType} failed ${awaiting.attempt} times; last: ${reason}`,
      since: clock.now.toISOString(),
    };
    return {
      state: { ...state, status: SagaStatus.RequiresAttention, awaiting: null, stalled },
      commands: [],
      log: [cause, { type: SagaLogType.SagaNeedsAttention, stepId: step.id, commandId: null, data: { ...stalled } }],
    };
  }
  const notBefore = new Date(clock.now.getTime() + sagaResendDelayMs(definition, awaiting.attempt, clock.random()));
  const retry =
    awaiting.phase === 'compensation'
      ? sendCompensation(definition, state, step, awaiting.attempt + 1, notBefore, clock)
      : sendAction(definition, state, stepIndex(definition, step.id), awaiting.attempt + 1, notBefore, clock);
  const relabel = awaiting.phase === 'compensation' ? SagaLogType.CompensationRetried : SagaLogType.StepRetried;
  return prepend(cause, retry, relabel);
}

function advance(definition: AnySagaDefinition, state: SagaState, from: number, clock: EngineClock): SagaDecision {
  const skipped: SagaLogEntry[] = [];
  for (let index = from; index < definition.steps.length; index++) {
    const step = definition.steps[index];
    if (step.when && !step.when(state.context as never)) {
      skipped.push({ type: SagaLogType.StepSkipped, stepId: step.id, commandId: null, data: {} });
      continue;
    }
    return prepend(skipped, sendAction(definition, state, index, 1, null, clock));
  }
  const completed: SagaState = { ...state, status: SagaStatus.Completed, awaiting: null };
  return {
    state: completed,
    commands: [],
    log: [...skipped, { type: SagaLogType.SagaCompleted, stepId: null, commandId: null, data: {} }],
  };
}

function compensateNext(definition: AnySagaDefinition, state: SagaState, clock: EngineClock): SagaDecision {
  const next = [...state.completedSteps]
    .reverse()
    .map((id) => definition.steps[stepIndex(definition, id)])
    .find((step) => isCompensatable(step) && !state.compensatedSteps.includes(step.id));
  if (!next) {
    const failed: SagaState = { ...state, status: SagaStatus.Failed, awaiting: null };
    return {
      state: failed,
      commands: [],
      log: [{ type: SagaLogType.SagaFailed, stepId: null, commandId: null, data: { failure: state.failure } }],
    };
  }
  return sendCompensation(definition, state, next, 1, null, clock);
}

function sendAction(
  definition: AnySagaDefinition,
  state: SagaState,
  index: number,
  attempt: number,
  notBefore: Date | null,
  clock: EngineClock,
): SagaDecision {
  const step = definition.steps[index];
  const payload = step.action.payload(state.context as never);
  return send(definition, state, step, 'action', step.action.command.type, payload, attempt, notBefore, clock);
}

function sendCompensation(
  definition: AnySagaDefinition,
  state: SagaState,
  step: AnyStep,
  attempt: number,
  notBefore: Date | null,
  clock: EngineClock,
): SagaDecision {
  if (!isCompensatable(step)) throw new Error(`step ${step.id} has no compensation`);
  const failure = state.failure ?? { stepId: step.id, code: 'unknown', message: 'the saga failed' };
  const payload = step.compensation.payload(state.context as never, failure);
  const type = step.compensation.command.type;
  return send(definition, state, step, 'compensation', type, payload, attempt, notBefore, clock);
}

function send(
  definition: AnySagaDefinition,
  state: SagaState,
  step: AnyStep,
  phase: CommandPhase,
  type: string,
  payload: unknown,
  attempt: number,
  notBefore: Date | null,
  clock: EngineClock,
): SagaDecision {
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

function failureOf(stepId: string, failure: Failure): SagaFailure {
  return { stepId, code: failure.code, message: failure.message };
}

function stepIndex(definition: AnySagaDefinition, stepId: string): number {
  const index = definition.steps.findIndex((s) => s.id === stepId);
  if (index < 0) throw new Error(`saga ${definition.name} v${definition.version} has no step ${stepId}`);
  return index;
}

function logOf(type: SagaLogType, command: AwaitedCommand, data: Record<string, unknown> = {}): SagaLogEntry {
  return { type, stepId: command.stepId, commandId: command.commandId, data };
}

/** Puts entries before a decision's own log; a retry relabels the resend as a retry. */
function prepend(
  entries: SagaLogEntry | readonly SagaLogEntry[],
  decision: SagaDecision,
  relabelFirst?: SagaLogType,
): SagaDecision {
  const log = relabelFirst ? decision.log.map((e, i) => (i === 0 ? { ...e, type: relabelFirst } : e)) : decision.log;
  return { ...decision, log: [...(Array.isArray(entries) ? entries : [entries]), ...log] };
}

function accept(decision: SagaDecision): Decision {
  return { accepted: true, ...decision };
}
