export { applyReply, applyTimeout, InvalidReplyError, parkSaga, SagaLogType, startSaga } from './engine/decide';
export type { Decision, EngineClock, PlannedCommand, SagaDecision, SagaLogEntry } from './engine/decide';
export { defineSaga, InvalidSagaDefinitionError, isCompensatable, stepListOf, withLimits } from './engine/definition';
export type {
  AfterPivotBuilder,
  AnySagaDefinition,
  SagaBuilder,
  SagaContext,
  SagaDefinition,
  SagaLimits,
  StepShape,
} from './engine/definition';
export {
  compensationPlanOf,
  extendDeadline,
  fireDeadline,
  ForcedCompensation,
  forceCompensation,
  killSaga,
  maxDeadlineExtensionMs,
  positionOf,
  resumeSaga,
  skipStep,
} from './engine/operator-actions';
export type { CompensationPlan, SagaPosition } from './engine/operator-actions';
export { isTerminal, SagaStatus } from './engine/state';
export type { AwaitedCommand, CommandPhase, SagaFailure, SagaState, Stall } from './engine/state';
export { compensatable, pivot, retriable, StepKind } from './engine/step';
export type { AnyStep, CompensatableStep, PivotStep, RetriableStep, StepAction, StepCompensation } from './engine/step';
export {
  ConcurrentSagaUpdateError,
  InvalidSagaDefinitionsError,
  SagaActionRefusedError,
  SagaNotFoundError,
  SagaOrchestrator,
} from './orchestrator/saga-orchestrator';
export type { OperatorAct, OperatorOutcome, SagaOrchestratorOptions } from './orchestrator/saga-orchestrator';
export type { SagaMetrics } from './orchestrator/saga-telemetry';
export { DefinitionChangedError } from './store/definition-registry';
export { SagaEvent } from './store/saga-event.entity';
export { SagaInstance } from './store/saga-instance.entity';
export { sagaMigrations } from './store/saga-migrations';
export { finishedSagaRetention } from './store/saga-retention';
export { remainingStepsOf, timelineOf } from './views/saga-timeline';
export type {
  BarOutcome,
  OperatorEntry,
  SagaTimeline,
  TimelineAttempt,
  TimelineBar,
  TimelineEvent,
} from './views/saga-timeline';
export {
  definitionVersions,
  InvalidCursorError,
  listSagas,
  pendingDeadlines,
  sagaLogAfter,
  sagasByStatus,
  sagaStats,
} from './views/saga-queries';
export type { DefinitionVersion, PendingDeadline, SagaListFilter, SagaLogLine, SagaStats } from './views/saga-queries';
