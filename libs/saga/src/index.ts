export {
  applyReply,
  applyTimeout,
  InvalidReplyError,
  resumeSaga,
  retryDelayMs,
  SagaLogType,
  startSaga,
} from './engine/decide';
export type { Decision, EngineClock, PlannedCommand, SagaDecision, SagaLogEntry } from './engine/decide';
export { defineSaga, InvalidSagaDefinitionError, isCompensatable, withLimits } from './engine/definition';
export type { AfterPivotBuilder, SagaBuilder, SagaDefinition, SagaLimits } from './engine/definition';
export { isTerminal, SagaStatus } from './engine/state';
export type { AwaitedCommand, CommandPhase, SagaFailure, SagaState, Stall } from './engine/state';
export { StepKind, stepsOf } from './engine/step';
export type {
  CompensatableStep,
  PivotStep,
  RetriableStep,
  SagaStep,
  StepAction,
  StepCompensation,
  StepSpec,
} from './engine/step';
export * from './order-saga';
export {
  ConcurrentSagaUpdateError,
  SagaNotFoundError,
  SagaNotResumableError,
  SagaOrchestrator,
} from './orchestrator/saga-orchestrator';
export type { SagaOrchestratorOptions } from './orchestrator/saga-orchestrator';
export { SagaEvent } from './store/saga-event.entity';
export { SagaInstance } from './store/saga-instance.entity';
export { sagaMigrations } from './store/saga-migrations';
export { finishedSagaRetention } from './store/saga-retention';
