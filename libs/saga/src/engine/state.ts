import type { SagaContext } from './definition';
/** Where a saga instance is in its life. */
export const SagaStatus = {
  Running: 'RUNNING',
  Compensating: 'COMPENSATING',
  Completed: 'COMPLETED',
  /** Every step that had done something was undone. */
  Failed: 'FAILED',
  /** The engine stopped trying; a person must look (a retriable step or a compensation kept failing). */
  RequiresAttention: 'REQUIRES_ATTENTION',
  /** An operator stopped it without compensation: what its steps did stays as it is. */
  Killed: 'KILLED',
} as const;
export type SagaStatus = (typeof SagaStatus)[keyof typeof SagaStatus];

/** A saga in this state is finished: it receives no more commands, from the engine or an operator. */
export function isTerminal(status: SagaStatus): boolean {
  return status === SagaStatus.Completed || status === SagaStatus.Failed || status === SagaStatus.Killed;
}

/** Why a saga failed: the step, the closed failure code and a sentence a person can read. */
export interface SagaFailure {
  readonly stepId: string;
  readonly code: string;
  readonly message: string;
}

export type CommandPhase = 'action' | 'compensation';

/** The one command a saga waits for; only the reply carrying this commandId is accepted. */
export interface AwaitedCommand {
  readonly commandId: string;
  readonly commandType: string;
  readonly stepId: string;
  readonly phase: CommandPhase;
  readonly attempt: number;
  readonly sentAt: string;
  readonly deadlineAt: string;
  /** When the step's phase first sent its command, on a re-send or a resume (sentAt is this attempt's). */
  readonly stepStartedAt?: string;
}

/** Everything the engine knows of one saga instance; persisted as is. */
export interface SagaState {
  readonly status: SagaStatus;
  /** The saga's input and what its steps produced so far. */
  readonly context: SagaContext;
  /** Steps whose action succeeded, in the order they ran. */
  readonly completedSteps: readonly string[];
  /** Steps whose compensation succeeded, in the order they were undone. */
  readonly compensatedSteps: readonly string[];
  readonly awaiting: AwaitedCommand | null;
  readonly failure: SagaFailure | null;
  /** Where and why the engine stopped trying, while REQUIRES_ATTENTION; resuming re-sends that command. */
  readonly stalled: Stall | null;
}

/** The command a saga gave up on, and why. */
export interface Stall {
  readonly stepId: string;
  readonly phase: CommandPhase;
  readonly reason: string;
  readonly since: string;
  /** When the phase it stalled in first sent its command. */
  readonly stepStartedAt?: string;
}
