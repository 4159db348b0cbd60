import { compensationsDue, SagaLogType } from '../engine/decide';
import type { AnySagaDefinition } from '../engine/definition';
import { positionOf } from '../engine/operator-actions';
import { isTerminal, SagaStatus, type CommandPhase, type SagaState } from '../engine/state';

/** One saga log entry as the timeline reads it. */
export interface TimelineEvent {
  readonly type: string;
  readonly stepId: string | null;
  readonly commandId: string | null;
  readonly data: Record<string, unknown>;
  readonly at: Date;
}

/** How one step's action, or its compensation, ended (or that it has not). */
export type BarOutcome =
  'succeeded' | 'failed' | 'timed-out' | 'skipped' | 'marked-done' | 'abandoned' | 'waiting' | 'stalled';

/** One command sent for a step, and how it ended. */
export interface TimelineAttempt {
  readonly commandId: string;
  readonly attempt: number;
  readonly sentAt: string;
  readonly endedAt: string | null;
  readonly outcome: BarOutcome;
  readonly error: unknown;
}

/** One bar: a step's action or its compensation, from its first command to its last answer. */
export interface TimelineBar {
  readonly stepId: string;
  readonly phase: CommandPhase;
  readonly commandType: string | null;
  /** The last command sent for it. */
  readonly commandId: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly durationMs: number | null;
  readonly attempts: number;
  readonly outcome: BarOutcome;
  /** The last failure, as the worker or the deadline gave it. */
  readonly error: unknown;
  /** What the step added to the saga's context (its diff), when it succeeded or was marked done. */
  readonly changes: Record<string, unknown> | null;
  readonly history: TimelineAttempt[];
}

/** An operator's act, as the log recorded it. */
export interface OperatorEntry {
  readonly at: string;
  readonly action: string;
  readonly actor: string;
  readonly reason: string;
  readonly type: string;
  readonly stepId: string | null;
}

export interface SagaTimeline {
  readonly bars: TimelineBar[];
  readonly operatorActions: OperatorEntry[];
}

/** How a step's action or compensation ended, by the log entry that ended it. */
export const phaseEndings: Readonly<Record<string, BarOutcome>> = {
  [SagaLogType.StepSucceeded]: 'succeeded',
  [SagaLogType.CompensationSucceeded]: 'succeeded',
  [SagaLogType.StepFailed]: 'failed',
  [SagaLogType.CompensationFailed]: 'failed',
  [SagaLogType.StepTimedOut]: 'timed-out',
  [SagaLogType.CompensationTimedOut]: 'timed-out',
  [SagaLogType.StepMarkedDone]: 'marked-done',
  [SagaLogType.CompensationMarkedDone]: 'marked-done',
  [SagaLogType.CompensationForced]: 'abandoned',
  [SagaLogType.SagaCancelled]: 'abandoned',
  [SagaLogType.SagaKilled]: 'abandoned',
};
const sendings: ReadonlySet<string> = new Set([
  SagaLogType.StepStarted,
  SagaLogType.StepRetried,
  SagaLogType.CompensationStarted,
  SagaLogType.CompensationRetried,
]);

/**
 * The saga's log as bars on a time axis: one per step action and per compensation, each with its
 * commands (attempts), when it was sent and answered, how it ended, the error and what it changed.
 * `state` says which bar is still waiting, or stalled for a person.
 */
export function timelineOf(events: readonly TimelineEvent[], state: SagaState): SagaTimeline {
  const bars = new Map<string, Bar>();
  const byCommand = new Map<string, Bar>();
  const operatorActions: OperatorEntry[] = [];
  for (const event of events) {
    // Every entry of an operator's transition names them; the first one stands for the act.
    if (event.data.by === 'operator') {
      const entry = operatorEntryOf(event);
      const previous = operatorActions.at(-1);
      if (!previous || previous.at !== entry.at || previous.action !== entry.action) operatorActions.push(entry);
    }
    if (event.type === SagaLogType.StepSkipped && event.stepId) {
      bars.set(`${event.stepId}/action`, skippedBar(event.stepId, event.at));
      continue;
    }
    if (sendings.has(event.type) && event.stepId && event.commandId) {
      const phase: CommandPhase = event.type.startsWith('compensation') ? 'compensation' : 'action';
      const key = `${event.stepId}/${phase}`;
      const bar = bars.get(key) ?? newBar(event.stepId, phase, String(event.data.commandType ?? ''));
      bars.delete(key);
      bars.set(key, bar); // a bar sits where its latest command was sent: a retried compensation moves down
      const notBefore = typeof event.data.notBefore === 'string' ? event.data.notBefore : null;
      bar.history.push({
        commandId: event.commandId,
        attempt: Number(event.data.attempt ?? bar.history.length + 1),
        sentAt: notBefore ?? event.at.toISOString(),
        endedAt: null,
        outcome: 'waiting',
        error: null,
      });
      byCommand.set(event.commandId, bar);
      continue;
    }
    const outcome = phaseEndings[event.type];
    const bar = event.commandId ? byCommand.get(event.commandId) : undefined;
    if (!outcome || !bar) continue;
    const last = bar.history[bar.history.length - 1];
    if (last.commandId !== event.commandId || last.endedAt !== null) continue;
    bar.history[bar.history.length - 1] = {
      ...last,
      endedAt: event.at.toISOString(),
      outcome,
      error: event.data.failure ?? (outcome === 'timed-out' ? { deadlineAt: event.data.deadlineAt } : null),
    };
    if (event.data.contextChanges) bar.changes = event.data.contextChanges as Record<string, unknown>;
  }
  const position = positionOf(state);
  return {
    bars: [...bars.values()].map((bar) => finished(bar, position, state)),
    operatorActions,
  };
}

/**
 * What is still to run: on the way forward, the steps after the one it waits on (a conditional one
 * may yet be skipped); while compensating, the compensations still to send, in order.
 */
export function remainingStepsOf(
  definition: AnySagaDefinition,
  state: SagaState,
): { readonly stepId: string; readonly phase: CommandPhase }[] {
  if (isTerminal(state.status)) return [];
  const position = positionOf(state);
  if (state.status === SagaStatus.Compensating || position?.phase === 'compensation') {
    return compensationsDue(definition, state)
      .filter((step) => step.id !== position?.stepId)
      .map((step) => ({ stepId: step.id, phase: 'compensation' as const }));
  }
  const done = new Set(state.completedSteps);
  const from = position ? definition.steps.findIndex((step) => step.id === position.stepId) + 1 : 0;
  return definition.steps
    .slice(from)
    .filter((step) => !done.has(step.id))
    .map((step) => ({ stepId: step.id, phase: 'action' as const }));
}

interface Bar {
  stepId: string;
  phase: CommandPhase;
  commandType: string | null;
  history: TimelineAttempt[];
  changes: Record<string, unknown> | null;
  skippedAt?: Date;
}

function newBar(stepId: string, phase: CommandPhase, commandType: string): Bar {
  return { stepId, phase, commandType: commandType || null, history: [], changes: null };
}

function skippedBar(stepId: string, at: Date): Bar {
  return { ...newBar(stepId, 'action', ''), skippedAt: at };
}

function finished(bar: Bar, position: ReturnType<typeof positionOf>, state: SagaState): TimelineBar {
  if (bar.skippedAt) {
    const at = bar.skippedAt.toISOString();
    return {
      ...bar,
      commandId: null,
      startedAt: at,
      endedAt: at,
      durationMs: 0,
      attempts: 0,
      outcome: 'skipped',
      error: null,
    };
  }
  const first = bar.history[0];
  const last = bar.history[bar.history.length - 1];
  const here = position?.stepId === bar.stepId && position.phase === bar.phase;
  // Where the saga waits for a person, the bar says so; a command it stopped waiting for without an
  // answer (a kill, a forced compensation) was left behind.
  const unanswered: BarOutcome = here ? 'waiting' : 'abandoned';
  const outcome = here && state.stalled ? 'stalled' : last.endedAt === null ? unanswered : last.outcome;
  const endedAt = last.endedAt;
  return {
    stepId: bar.stepId,
    phase: bar.phase,
    commandType: bar.commandType,
    commandId: last.commandId,
    startedAt: first.sentAt,
    endedAt,
    durationMs: endedAt === null ? null : Math.max(0, Date.parse(endedAt) - Date.parse(first.sentAt)),
    attempts: bar.history.length,
    outcome,
    error: [...bar.history].reverse().find((attempt) => attempt.error !== null)?.error ?? null,
    changes: bar.changes,
    history: bar.history,
  };
}

function operatorEntryOf(event: TimelineEvent): OperatorEntry {
  return {
    at: event.at.toISOString(),
    action: String(event.data.action ?? event.type),
    actor: String(event.data.actor ?? 'unknown'),
    reason: String(event.data.reason ?? ''),
    type: event.type,
    stepId: event.stepId,
  };
}
