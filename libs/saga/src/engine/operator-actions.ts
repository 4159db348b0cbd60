import {
  accept,
  advance,
  applyTimeout,
  beginCompensation,
  commandOf,
  compensateNext,
  compensationsDue,
  prepend,
  send,
  SagaLogType,
  stepIndex,
  type Decision,
  type EngineClock,
  type SagaLogEntry,
} from './decide';
import type { AnySagaDefinition, SagaContext } from './definition';
import { isTerminal, SagaStatus, type CommandPhase, type SagaFailure, type SagaState } from './state';
import { StepKind, type AnyStep } from './step';

// What an operator may do to one saga, decided as the engine decides everything else: from the state,
// into a new state, the commands to send and what to log. A refusal says why, in words an operator
// reads; the orchestrator adds who acted and why to every log entry.

/** The longest a deadline may be pushed out by one extension. */
export const maxDeadlineExtensionMs = 7 * 24 * 3_600_000;

/** Where a saga is: the step and phase it waits on (awaiting a reply) or stalled at. */
export interface SagaPosition {
  readonly stepId: string;
  readonly phase: CommandPhase;
  /** The command it waits for; null when it stalled and waits for a person. */
  readonly commandId: string | null;
}

/** The step and phase a saga waits on, or null when it waits on nothing (finished, or never sent). */
export function positionOf(state: SagaState): SagaPosition | null {
  if (state.awaiting) {
    const { stepId, phase, commandId } = state.awaiting;
    return { stepId, phase, commandId };
  }
  if (state.stalled) return { stepId: state.stalled.stepId, phase: state.stalled.phase, commandId: null };
  return null;
}

/** Sends again, at once, the command a saga gave up on: an operator's decision once the cause is fixed. */
export function resumeSaga(definition: AnySagaDefinition, state: SagaState, clock: EngineClock): Decision {
  const stalled = state.stalled;
  if (state.status !== SagaStatus.RequiresAttention || !stalled) {
    return refused(`only a saga in ${SagaStatus.RequiresAttention} can be retried; this one is ${state.status}`);
  }
  const index = stepIndex(definition, stalled.stepId);
  const status = stalled.phase === 'compensation' ? SagaStatus.Compensating : SagaStatus.Running;
  const resumed: SagaState = { ...state, status, stalled: null };
  const entry: SagaLogEntry = {
    type: SagaLogType.SagaResumed,
    stepId: stalled.stepId,
    commandId: null,
    data: { phase: stalled.phase, stalledSince: stalled.since, reason: stalled.reason },
  };
  const first = { attempt: 1, notBefore: null, stepStartedAt: stalled.stepStartedAt };
  return accept(prepend(entry, send({ definition, clock }, resumed, index, { phase: stalled.phase, ...first })));
}

/**
 * Marks the step the saga waits on as done by hand, and goes on from there. Allowed for a step after
 * the pivot (its command is abandoned; what it would produce is `result`, checked by its command's
 * result schema) and for a compensation (the undo was done by hand). Refused for the pivot, whose outcome
 * decides the saga, and for a step before it, whose compensation would undo what its worker never did.
 */
export function skipStep(
  definition: AnySagaDefinition,
  state: SagaState,
  skip: { readonly stepId: string; readonly result?: unknown },
  clock: EngineClock,
): Decision {
  const at = positionOf(state);
  if (isTerminal(state.status)) return refused(`the saga is already ${state.status}`);
  if (!at) return refused('the saga waits on no step');
  if (at.stepId !== skip.stepId) {
    return refused(`the saga waits on ${at.stepId} (${at.phase}), not ${skip.stepId}`);
  }
  const engine = { definition, clock };
  const index = stepIndex(definition, at.stepId);
  const step = definition.steps[index];
  const settled: SagaState = { ...state, awaiting: null, stalled: null };
  const entry = (type: SagaLogType, data: Record<string, unknown>): SagaLogEntry => ({
    type,
    stepId: step.id,
    commandId: at.commandId,
    data,
  });

  if (at.phase === 'compensation') {
    const undone: SagaState = {
      ...settled,
      status: SagaStatus.Compensating,
      compensatedSteps: [...state.compensatedSteps, step.id],
    };
    return accept(prepend(entry(SagaLogType.CompensationMarkedDone, {}), compensateNext(engine, undone)));
  }
  if (step.kind === StepKind.Pivot) {
    return refused(`${step.id} is the pivot: whether it happened decides the saga; retry it until its worker answers`);
  }
  if (step.kind === StepKind.Compensatable) {
    return refused(
      `${step.id} comes before the pivot: compensate or cancel the saga, or retry the step; ` +
        'marked done by hand, it would later be undone by a command for what its worker never did',
    );
  }
  const produced = producedBy(step, skip.result);
  if (typeof produced === 'string') return refused(produced);
  const done: SagaState = {
    ...settled,
    status: SagaStatus.Running,
    context: { ...state.context, ...produced },
    completedSteps: [...state.completedSteps, step.id],
  };
  const marked = entry(SagaLogType.StepMarkedDone, { result: skip.result ?? null, contextChanges: produced });
  return accept(prepend(marked, advance(engine, done, index + 1)));
}

/** How an operator turns a saga to compensation: to unstick it, or to cancel what it is for. */
export const ForcedCompensation = {
  /** `saga compensate`: the saga cannot go on as it is. */
  Compensate: { action: 'compensate', code: 'compensated_by_operator', logType: SagaLogType.CompensationForced },
  /** `saga cancel`: the shop calls the order (or refund) off. */
  Cancel: { action: 'cancel', code: 'cancelled', logType: SagaLogType.SagaCancelled },
} as const;
export type ForcedCompensation = (typeof ForcedCompensation)[keyof typeof ForcedCompensation];

/** What a forced compensation would send, in order: each step's compensation with its payload. */
export interface CompensationPlan {
  readonly failure: SagaFailure;
  readonly commands: { readonly stepId: string; readonly type: string; readonly payload: unknown }[];
}

/**
 * Turns a saga that is not past its pivot to compensation: the steps that ran are undone, last first,
 * and the step it waits on is undone too, since it may have run (its worker's tombstone makes a late
 * action harmless). Refused once the pivot succeeded or was sent (its outcome may be a charge), and
 * for a saga already compensating.
 */
export function forceCompensation(
  definition: AnySagaDefinition,
  state: SagaState,
  how: ForcedCompensation,
  clock: EngineClock,
): Decision {
  const turned = turnedState(definition, state, how);
  if (typeof turned === 'string') return refused(turned);
  const entry: SagaLogEntry = {
    type: how.logType,
    stepId: turned.failure.stepId,
    commandId: state.awaiting?.commandId ?? null,
    data: { failure: turned.failure, abandoned: positionOf(state) },
  };
  return accept(prepend(entry, beginCompensation({ definition, clock }, turned.state, turned.failure)));
}

/** What forceCompensation would send, without changing anything: the plan an operator checks first. */
export function compensationPlanOf(
  definition: AnySagaDefinition,
  state: SagaState,
  how: ForcedCompensation,
): CompensationPlan | string {
  const turned = turnedState(definition, state, how);
  if (typeof turned === 'string') return turned;
  const undoing: SagaState = { ...turned.state, failure: turned.failure };
  return {
    failure: turned.failure,
    commands: compensationsDue(definition, undoing).map((step) => ({
      stepId: step.id,
      ...commandOf(step, 'compensation', undoing),
    })),
  };
}

function turnedState(
  definition: AnySagaDefinition,
  state: SagaState,
  how: ForcedCompensation,
): { state: SagaState; failure: SagaFailure } | string {
  if (isTerminal(state.status)) return `the saga is already ${state.status}`;
  const at = positionOf(state);
  if (state.status === SagaStatus.Compensating || at?.phase === 'compensation') {
    return 'the saga is already compensating: retry the compensation it waits on, or mark it done by hand';
  }
  const pivot = definition.steps.find((step) => step.kind === StepKind.Pivot);
  if (pivot && state.completedSteps.includes(pivot.id)) {
    return `the saga is past its pivot ${pivot.id}: it can only go forward (refund the order instead)`;
  }
  const current = at ? definition.steps[stepIndex(definition, at.stepId)] : undefined;
  if (current && current.kind !== StepKind.Compensatable) {
    return `its pivot ${current.id} was sent and may have succeeded: retry it until its worker answers`;
  }
  const mayHaveRun = current && !state.completedSteps.includes(current.id) ? [current.id] : [];
  const failure: SagaFailure = {
    stepId: current?.id ?? state.completedSteps.at(-1) ?? definition.steps[0].id,
    code: how.code,
    message:
      how === ForcedCompensation.Cancel
        ? 'Cancelled by the shop before it went through; nothing was charged.'
        : 'Stopped by the shop before it went through; nothing was charged.',
  };
  return {
    state: {
      ...state,
      awaiting: null,
      stalled: null,
      completedSteps: [...state.completedSteps, ...mayHaveRun],
    },
    failure,
  };
}

/**
 * Stops a saga where it is, without compensation: nothing is sent, a late reply changes nothing, and
 * whatever its steps did stays done. A last resort; needs no definition, so a saga this build cannot
 * run can be killed too.
 */
export function killSaga(state: SagaState): Decision {
  if (isTerminal(state.status)) return refused(`the saga is already ${state.status}`);
  const at = positionOf(state);
  const leftAsTheyAre = state.completedSteps.filter((id) => !state.compensatedSteps.includes(id));
  return accept({
    state: { ...state, status: SagaStatus.Killed, awaiting: null, stalled: null },
    commands: [],
    log: [
      {
        type: SagaLogType.SagaKilled,
        stepId: at?.stepId ?? null,
        commandId: at?.commandId ?? null,
        data: { abandoned: at, leftAsTheyAre },
      },
    ],
  });
}

/** Pushes the deadline of the command the saga waits for out by `byMs`, from now if it already passed. */
export function extendDeadline(state: SagaState, byMs: number, clock: EngineClock): Decision {
  const awaiting = state.awaiting;
  if (isTerminal(state.status) || !awaiting) return refused('the saga waits for no reply, so it has no deadline');
  if (!Number.isSafeInteger(byMs) || byMs <= 0 || byMs > maxDeadlineExtensionMs) {
    return refused(`an extension is from 1 ms to ${maxDeadlineExtensionMs / 86_400_000} days`);
  }
  const from = Math.max(Date.parse(awaiting.deadlineAt), clock.now.getTime());
  const deadlineAt = new Date(from + byMs).toISOString();
  return accept({
    state: { ...state, awaiting: { ...awaiting, deadlineAt } },
    commands: [],
    log: [
      {
        type: SagaLogType.DeadlineExtended,
        stepId: awaiting.stepId,
        commandId: awaiting.commandId,
        data: { from: awaiting.deadlineAt, to: deadlineAt, byMs },
      },
    ],
  });
}

/** Acts on the deadline of the command the saga waits for now, as if it had passed: what a timeout does. */
export function fireDeadline(definition: AnySagaDefinition, state: SagaState, clock: EngineClock): Decision {
  const awaiting = state.awaiting;
  if (isTerminal(state.status) || !awaiting) return refused('the saga waits for no reply, so it has no deadline');
  const now = clock.now.toISOString();
  const due: SagaState = { ...state, awaiting: { ...awaiting, deadlineAt: now } };
  const timedOut = applyTimeout(definition, due, clock);
  if (!timedOut.accepted) return timedOut;
  const fired: SagaLogEntry = {
    type: SagaLogType.DeadlineFired,
    stepId: awaiting.stepId,
    commandId: awaiting.commandId,
    data: { deadlineAt: awaiting.deadlineAt },
  };
  return accept(prepend(fired, timedOut));
}

// What a step marked done adds to the context: its produces() of the given result, or why it cannot.
function producedBy(step: AnyStep, result: unknown): SagaContext | string {
  if (!step.action.produces) return {};
  if (result === undefined) {
    return `${step.id} produces data the steps after it read: give its result, as ${step.action.command.type} would reply`;
  }
  const parsed = step.action.command.result.safeParse(result);
  if (!parsed.success) return `the result is not what ${step.action.command.type} replies: ${parsed.error.message}`;
  return (step.action.produces(parsed.data) ?? {}) as SagaContext;
}

function refused(reason: string): Decision {
  return { accepted: false, reason };
}
