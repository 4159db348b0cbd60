import {
  contextFromHeaders,
  derivedSpanId,
  knownSpanContext,
  recordSpan,
  spanContextOf,
  traceHeaders,
  type Context,
  type Metrics,
  type SpanContext,
} from '@saga/observability';
import type { SagaDecision } from '../engine/decide';
import { isTerminal, SagaStatus, type CommandPhase, type SagaState } from '../engine/state';
import type { LockedSaga } from '../store/saga-store';
import { phaseEndings } from '../views/saga-timeline';

/** The metrics a saga orchestrator counts into. */
export type SagaMetrics = Pick<Metrics, 'sagas' | 'stepSeconds'>;

/** The step phase a saga is in: the command it waits for, or where it stalled, and since when. */
interface CurrentPhase {
  readonly stepId: string;
  readonly phase: CommandPhase;
  readonly startedAt: string;
}

/** What a saga's status turning into this one counts as. */
const statusEvents: Partial<Record<SagaStatus, string>> = {
  [SagaStatus.Compensating]: 'compensating',
  [SagaStatus.Completed]: 'completed',
  [SagaStatus.Failed]: 'failed',
  [SagaStatus.RequiresAttention]: 'stalled',
  [SagaStatus.Killed]: 'killed',
};

const failedOutcomes: ReadonlySet<string> = new Set(['failed', 'timed-out']);

/**
 * What an orchestrator tells of its sagas besides their log: counters per definition, step durations,
 * and one trace per saga. The saga's span and each step phase's span have ids derived from the saga's
 * id, so a step's commands are sent as children of its span before it is recorded, when the step ends;
 * the saga's span, child of the request or message that started it, is recorded when the saga ends.
 */
export class SagaTelemetry {
  constructor(private readonly metrics?: SagaMetrics) {}

  /** The traceparent a new saga keeps: the active context's (the request's, the cause message's), if traced. */
  static traceParentNow(): string | null {
    return traceHeaders().traceparent ?? null;
  }

  /** The headers a step's command goes with: the step phase's span as its parent, when the saga is traced. */
  commandHeaders(saga: LockedSaga, stepId: string, phase: CommandPhase): Record<string, string> {
    const parent = sagaParent(saga);
    return parent ? traceHeaders(phaseContext(saga, parent, { stepId, phase })) : {};
  }

  /** Counts a saga started. */
  started(saga: LockedSaga): void {
    this.metrics?.sagas.inc({ definition: saga.definitionName, event: 'started' });
  }

  /** Reports a committed transition of `before`: status counts, the step phase it ended, the saga if it ended. */
  transitioned(before: LockedSaga, decision: SagaDecision, now: Date): void {
    const after = decision.state;
    const definition = before.definitionName;
    const event = statusEvents[after.status];
    if (after.status !== before.status && event) this.metrics?.sagas.inc({ definition, event });
    const ended = currentPhase(before.state);
    const next = currentPhase(after);
    const moved = !next || next.stepId !== ended?.stepId || next.phase !== ended.phase || isTerminal(after.status);
    // Spans are recorded only in a sampled trace (one that is exported); the metrics always.
    const traced = sagaParent(before);
    const parent = traced && isSampled(traced.span) ? traced : undefined;
    if (ended && moved) this.phaseEnded({ saga: before, ended, decision, now }, parent);
    if (parent && isTerminal(after.status) && !isTerminal(before.status)) {
      recordSpan({
        name: `saga ${definition}`,
        parent: parent.context,
        spanId: sagaSpanId(before),
        startTime: before.createdAt,
        endTime: now,
        attributes: {
          'saga.id': before.id,
          'saga.definition': definition,
          'saga.version': before.definitionVersion,
          'saga.correlation_id': before.correlationId,
          'saga.status': after.status,
        },
        error: after.status === SagaStatus.Completed ? undefined : (after.failure?.message ?? after.status),
      });
    }
  }

  private phaseEnded(
    { saga, ended, decision, now }: { saga: LockedSaga; ended: CurrentPhase; decision: SagaDecision; now: Date },
    parent: SagaParent | undefined,
  ): void {
    const outcomes = decision.log
      .filter((e) => e.stepId === ended.stepId || e.stepId === null)
      .map((e) => phaseEndings[e.type]);
    const outcome = outcomes.filter((o) => o !== undefined).at(-1) ?? 'ended';
    const startTime = new Date(ended.startedAt);
    this.metrics?.stepSeconds.observe(
      { definition: saga.definitionName, step: ended.stepId, phase: ended.phase, outcome },
      Math.max(0, now.getTime() - startTime.getTime()) / 1000,
    );
    if (!parent) return;
    const action = spanContextOf(phaseContext(saga, parent, { stepId: ended.stepId, phase: 'action' }));
    recordSpan({
      name: ended.phase === 'action' ? ended.stepId : `compensate ${ended.stepId}`,
      parent: sagaContext(saga, parent),
      spanId: phaseSpanId(saga, ended),
      startTime,
      endTime: now,
      attributes: {
        'saga.id': saga.id,
        'saga.definition': saga.definitionName,
        'saga.step': ended.stepId,
        'saga.phase': ended.phase,
        'saga.outcome': outcome,
      },
      // A compensation is linked to the action it undoes.
      links: ended.phase === 'compensation' && action ? [{ context: action }] : [],
      error: failedOutcomes.has(outcome) ? `${ended.stepId} ${outcome}` : undefined,
    });
  }
}

/** The context a saga was started in, and its span context (the parent of the saga's own span). */
interface SagaParent {
  readonly context: Context;
  readonly span: SpanContext;
}

// A saga started before traces were kept continues the trace of whatever moves it now.
function sagaParent(saga: LockedSaga): SagaParent | undefined {
  const context = saga.traceParent ? contextFromHeaders({ traceparent: saga.traceParent }) : undefined;
  const span = context ? spanContextOf(context) : undefined;
  if (context && span) return { context, span };
  const active = spanContextOf();
  return active
    ? { context: knownSpanContext(active.traceId, active.spanId, isSampled(active)), span: active }
    : undefined;
}

function sagaSpanId(saga: LockedSaga): string {
  return derivedSpanId(`${saga.id}:saga`);
}

function phaseSpanId(saga: LockedSaga, { stepId, phase }: Pick<CurrentPhase, 'stepId' | 'phase'>): string {
  return derivedSpanId(`${saga.id}:${stepId}:${phase}`);
}

function sagaContext(saga: LockedSaga, parent: SagaParent): Context {
  return knownSpanContext(parent.span.traceId, sagaSpanId(saga), isSampled(parent.span));
}

function phaseContext(saga: LockedSaga, parent: SagaParent, phase: Pick<CurrentPhase, 'stepId' | 'phase'>): Context {
  return knownSpanContext(parent.span.traceId, phaseSpanId(saga, phase), isSampled(parent.span));
}

function isSampled(span: SpanContext): boolean {
  return (span.traceFlags & 1) === 1;
}

function currentPhase(state: SagaState): CurrentPhase | undefined {
  const { awaiting, stalled } = state;
  if (awaiting)
    return { stepId: awaiting.stepId, phase: awaiting.phase, startedAt: awaiting.stepStartedAt ?? awaiting.sentAt };
  if (stalled)
    return { stepId: stalled.stepId, phase: stalled.phase, startedAt: stalled.stepStartedAt ?? stalled.since };
  return undefined;
}
