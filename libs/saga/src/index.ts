export {
  applyReply,
  applyTimeout,
  InvalidReplyError,
  parkSaga,
  resumeSaga,
  SagaLogType,
  startSaga,
} from './engine/decide';
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
export { isTerminal, SagaStatus } from './engine/state';
export type { AwaitedCommand, CommandPhase, SagaFailure, SagaState, Stall } from './engine/state';
export { compensatable, pivot, retriable, StepKind } from './engine/step';
export type { AnyStep, CompensatableStep, PivotStep, RetriableStep, StepAction, StepCompensation } from './engine/step';
export {
  ConcurrentSagaUpdateError,
  InvalidSagaDefinitionsError,
  SagaNotFoundError,
  SagaNotResumableError,
  SagaOrchestrator,
} from './orchestrator/saga-orchestrator';
export type { SagaOrchestratorOptions } from './orchestrator/saga-orchestrator';
export { DefinitionChangedError } from './store/definition-registry';
export { SagaEvent } from './store/saga-event.entity';
export { SagaInstance } from './store/saga-instance.entity';
export { sagaMigrations } from './store/saga-migrations';
export { finishedSagaRetention } from './store/saga-retention';
