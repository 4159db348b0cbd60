import { InvalidMessageError, type Failure, type SagaReply } from '@saga/contracts';
import { isCompensatable, type SagaDefinition } from './definition';
import {
  SagaStatus,
  isTerminal,
  type AwaitedCommand,
  type CommandPhase,
  type SagaFailure,
  type SagaState,
} from './state';
import { StepKind, type SagaStep } from './step';

/** What the engine may not decide for itself: the time and fresh ids. */
export interface EngineClock {
  readonly now: Date;
  newId(): string;
}

/** A command the engine wants sent, written to the outbox with the new state. */
export interface PlannedCommand {
  readonly commandId: string;
  readonly type: string;
  readonly payload: unknown;
  readonly stepId: string;
  readonly phase: CommandPhase;
  readonly attempt: number;
}

export const SagaLogType = {
  SagaStarted: 'saga-started',
  StepStarted: 'step-started',
  StepSkipped: 'step-skipped',
  StepSucceeded: 'step-succeeded',
  StepFailed: 'step-failed',
  StepRetried: 'step-retried',
  CompensationStarted: 'compensation-started',
  CompensationSucceeded: 'compensation-succeeded',
  CompensationFailed: 'compensation-failed',
  CompensationRetried: 'compensation-retried',
  SagaCompleted: 'saga-completed',
  SagaFailed: 'saga-failed',
  SagaNeedsAttention: 'saga-requires-attention',
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
export interface SagaDecision<Ctx> {
  readonly state: SagaState<Ctx>;
  readonly commands: readonly PlannedCommand[];
  readonly log: readonly SagaLogEntry[];
}

export type ReplyDecision<Ctx> =
  ({ readonly accepted: true } & SagaDecision<Ctx>) | { readonly accepted: false; readonly reason: string };

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
export function startSaga<Ctx>(definition: SagaDefinition<Ctx>, context: Ctx, clock: EngineClock): SagaDecision<Ctx> {
  const initial: SagaState<Ctx> = {
    status: SagaStatus.Running,
    context,
    completedSteps: [],
    compensatedSteps: [],
    awaiting: null,
    failure: null,
    attentionReason: null,
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
export function applyReply<Ctx>(
  definition: SagaDefinition<Ctx>,
  state: SagaState<Ctx>,
  reply: SagaReply,
  clock: EngineClock,
): ReplyDecision<Ctx> {
  const awaiting = state.awaiting;
  if (isTerminal(state.status)) return { accepted: false, reason: `saga is already ${state.status}` };
  if (!awaiting) return { accepted: false, reason: 'saga awaits no reply' };
  if (awaiting.commandId !== reply.commandId) {
    return { accepted: false, reason: `saga awaits command ${awaiting.commandId}, not ${reply.commandId}` };
  }
  const index = stepIndex(definition, awaiting.stepId);
  const step = definition.steps[index];
  const settled: SagaState<Ctx> = { ...state, awaiting: null };

  if (awaiting.phase === 'compensation') {
    if (reply.outcome === 'success') {
      const done = { ...settled, compensatedSteps: [...state.compensatedSteps, step.id] };
      return accept(
        prepend(logOf(SagaLogType.CompensationSucceeded, awaiting), compensateNext(definition, done, clock)),
      );
    }
    const failed = logOf(SagaLogType.CompensationFailed, awaiting, { failure: reply.failure });
    if (awaiting.attempt < definition.maxAttempts) {
      const retry = sendCompensation(definition, settled, step, awaiting.attempt + 1, clock);
      return accept(prepend(failed, retry, SagaLogType.CompensationRetried));
    }
    return accept(needsAttention(settled, failed, `compensation of ${step.id} failed: ${reply.failure.message}`));
  }

  if (reply.outcome === 'success') {
    const parsed = step.action.command.result.safeParse(reply.result);
    if (!parsed.success) throw new InvalidReplyError(awaiting.commandType, parsed.error.message);
    const addition = step.action.onSuccess?.(state.context, parsed.data) ?? {};
    const done: SagaState<Ctx> = {
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
    if (awaiting.attempt < definition.maxAttempts) {
      return accept(
        prepend(failed, sendAction(definition, settled, index, awaiting.attempt + 1, clock), SagaLogType.StepRetried),
      );
    }
    return accept(needsAttention(settled, failed, `${step.id} kept failing: ${reply.failure.message}`));
  }
  return accept(prepend(failed, beginCompensation(definition, settled, failureOf(step.id, reply.failure), clock)));
}

/** Turns the saga around: records why it failed and undoes completed steps, last first. */
export function beginCompensation<Ctx>(
  definition: SagaDefinition<Ctx>,
  state: SagaState<Ctx>,
  failure: SagaFailure,
  clock: EngineClock,
): SagaDecision<Ctx> {
  return compensateNext(definition, { ...state, status: SagaStatus.Compensating, failure }, clock);
}

function advance<Ctx>(
  definition: SagaDefinition<Ctx>,
  state: SagaState<Ctx>,
  from: number,
  clock: EngineClock,
): SagaDecision<Ctx> {
  const skipped: SagaLogEntry[] = [];
  for (let index = from; index < definition.steps.length; index++) {
    const step = definition.steps[index];
    if (step.when && !step.when(state.context)) {
      skipped.push({ type: SagaLogType.StepSkipped, stepId: step.id, commandId: null, data: {} });
      continue;
    }
    return prepend(skipped, sendAction(definition, state, index, 1, clock));
  }
  const completed: SagaState<Ctx> = { ...state, status: SagaStatus.Completed, awaiting: null };
  return {
    state: completed,
    commands: [],
    log: [...skipped, { type: SagaLogType.SagaCompleted, stepId: null, commandId: null, data: {} }],
  };
}

function compensateNext<Ctx>(
  definition: SagaDefinition<Ctx>,
  state: SagaState<Ctx>,
  clock: EngineClock,
): SagaDecision<Ctx> {
  const next = [...state.completedSteps]
    .reverse()
    .map((id) => definition.steps[stepIndex(definition, id)])
    .find((step) => isCompensatable(step) && !state.compensatedSteps.includes(step.id));
  if (!next) {
    const failed: SagaState<Ctx> = { ...state, status: SagaStatus.Failed, awaiting: null };
    return {
      state: failed,
      commands: [],
      log: [{ type: SagaLogType.SagaFailed, stepId: null, commandId: null, data: { failure: state.failure } }],
    };
  }
  return sendCompensation(definition, state, next, 1, clock);
}

function sendAction<Ctx>(
  definition: SagaDefinition<Ctx>,
  state: SagaState<Ctx>,
  index: number,
  attempt: number,
  clock: EngineClock,
): SagaDecision<Ctx> {
  const step = definition.steps[index];
  const payload = step.action.payload(state.context);
  return send(definition, state, step, 'action', step.action.command.type, payload, attempt, clock);
}

function sendCompensation<Ctx>(
  definition: SagaDefinition<Ctx>,
  state: SagaState<Ctx>,
  step: SagaStep<Ctx>,
  attempt: number,
  clock: EngineClock,
): SagaDecision<Ctx> {
  if (!isCompensatable(step)) throw new Error(`step ${step.id} has no compensation`);
  const failure = state.failure ?? { stepId: step.id, code: 'unknown', message: 'the saga failed' };
  const payload = step.compensation.payload(state.context, failure);
  return send(definition, state, step, 'compensation', step.compensation.command.type, payload, attempt, clock);
}

function send<Ctx>(
  definition: SagaDefinition<Ctx>,
  state: SagaState<Ctx>,
  step: SagaStep<Ctx>,
  phase: CommandPhase,
  type: string,
  payload: unknown,
  attempt: number,
  clock: EngineClock,
): SagaDecision<Ctx> {
  const commandId = clock.newId();
  const timeoutMs = step.timeoutMs ?? definition.defaultTimeoutMs;
  const awaiting: AwaitedCommand = {
    commandId,
    commandType: type,
    stepId: step.id,
    phase,
    attempt,
    sentAt: clock.now.toISOString(),
    deadlineAt: new Date(clock.now.getTime() + timeoutMs).toISOString(),
  };
  return {
    state: { ...state, awaiting },
    commands: [{ commandId, type, payload, stepId: step.id, phase, attempt }],
    log: [
      logOf(phase === 'action' ? SagaLogType.StepStarted : SagaLogType.CompensationStarted, awaiting, {
        commandType: type,
        attempt,
      }),
    ],
  };
}

function needsAttention<Ctx>(state: SagaState<Ctx>, cause: SagaLogEntry, reason: string): SagaDecision<Ctx> {
  return {
    state: { ...state, status: SagaStatus.RequiresAttention, awaiting: null, attentionReason: reason },
    commands: [],
    log: [cause, { type: SagaLogType.SagaNeedsAttention, stepId: cause.stepId, commandId: null, data: { reason } }],
  };
}

function failureOf(stepId: string, failure: Failure): SagaFailure {
  return { stepId, code: failure.code, message: failure.message };
}

function stepIndex<Ctx>(definition: SagaDefinition<Ctx>, stepId: string): number {
  const index = definition.steps.findIndex((s) => s.id === stepId);
  if (index < 0) throw new Error(`saga ${definition.name} v${definition.version} has no step ${stepId}`);
  return index;
}

function logOf(type: SagaLogType, command: AwaitedCommand, data: Record<string, unknown> = {}): SagaLogEntry {
  return { type, stepId: command.stepId, commandId: command.commandId, data };
}

/** Puts entries before a decision's own log; a retry relabels the resend as a retry. */
function prepend<Ctx>(
  entries: SagaLogEntry | readonly SagaLogEntry[],
  decision: SagaDecision<Ctx>,
  relabelFirst?: SagaLogType,
): SagaDecision<Ctx> {
  const log = relabelFirst ? decision.log.map((e, i) => (i === 0 ? { ...e, type: relabelFirst } : e)) : decision.log;
  return { ...decision, log: [...(Array.isArray(entries) ? entries : [entries]), ...log] };
}

function accept<Ctx>(decision: SagaDecision<Ctx>): ReplyDecision<Ctx> {
  return { accepted: true, ...decision };
}
