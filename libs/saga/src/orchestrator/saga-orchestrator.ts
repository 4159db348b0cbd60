import { randomUUID } from 'node:crypto';
import {
  Exchange,
  InvalidMessageError,
  MessageHeader,
  newEnvelope,
  SagaReply,
  type MessageEnvelope,
  type SagaResumed,
  type SagaStalled,
} from '@saga/contracts';
import type { Logger } from '@saga/observability';
import type { MessagingTransaction, ProcessOutcome, TransactionalMessaging } from '@saga/outbox';
import { applyReply, applyTimeout, resumeSaga, startSaga, type EngineClock, type SagaDecision } from '../engine/decide';
import type { SagaDefinition } from '../engine/definition';
import { SagaStatus, type SagaState } from '../engine/state';
import {
  claimOverdueSaga,
  insertSaga,
  lockSaga,
  saveTransition,
  type LockedSaga,
  type SagaLogRow,
  type SagaRow,
} from '../store/saga-store';

export interface SagaOrchestratorOptions<Ctx> {
  readonly definition: SagaDefinition<Ctx>;
  readonly messaging: TransactionalMessaging;
  /** Name under which this orchestrator records the messages it processed (its inbox consumer). */
  readonly consumer: string;
  readonly logger: Logger;
  readonly clock?: () => EngineClock;
}

/** Thrown when a saga row was changed by someone else between read and write (should not happen under the row lock). */
export class ConcurrentSagaUpdateError extends Error {
  constructor(readonly sagaId: string) {
    super(`saga ${sagaId} was changed concurrently`);
    this.name = 'ConcurrentSagaUpdateError';
  }
}

/** Thrown by operator actions on a saga id that does not exist. */
export class SagaNotFoundError extends Error {
  constructor(readonly sagaId: string) {
    super(`saga ${sagaId} does not exist`);
    this.name = 'SagaNotFoundError';
  }
}

/** Thrown by resume for a saga that does not need attention. */
export class SagaNotResumableError extends Error {
  constructor(
    readonly sagaId: string,
    reason: string,
  ) {
    super(`saga ${sagaId} cannot be resumed: ${reason}`);
    this.name = 'SagaNotResumableError';
  }
}

/** What caused a transition: a message, a passed deadline or an operator. */
type Cause = { readonly message: MessageEnvelope } | { readonly by: 'deadline' | 'operator' };

/**
 * Runs instances of one saga definition: each message, passed deadline or operator action causes one
 * transition, taken under a row lock on the saga, persisted with its log entries and with the next
 * command written to the outbox, all in one transaction (which, for a message, also records it in
 * the inbox).
 */
export class SagaOrchestrator<Ctx> {
  private readonly clock: () => EngineClock;

  constructor(private readonly options: SagaOrchestratorOptions<Ctx>) {
    this.clock = options.clock ?? (() => ({ now: new Date(), newId: randomUUID, random: Math.random }));
  }

  /** Starts a saga for the business id `correlationId`, caused by `cause`; once per cause message. */
  async start(cause: MessageEnvelope, correlationId: string, context: Ctx): Promise<ProcessOutcome> {
    const { definition, messaging, consumer, logger } = this.options;
    return messaging.processOnce(consumer, cause, async (tx) => {
      const decision = startSaga(definition, context, this.clock());
      const saga = {
        id: randomUUID(),
        definitionName: definition.name,
        definitionVersion: definition.version,
        correlationId,
        status: decision.state.status,
        logSeq: 0,
      };
      await insertSaga(tx.manager, { ...saga, ...rowOf(decision) }, this.logRows(decision, { message: cause }));
      this.send(tx, saga, decision, { message: cause });
      logger.info('saga started', { sagaId: saga.id, correlationId, step: rowOf(decision).currentStep });
    });
  }

  /** Applies a worker's reply to the saga it belongs to; a reply the saga does not wait for changes nothing. */
  async handleReply(envelope: MessageEnvelope): Promise<ProcessOutcome> {
    const { definition, messaging, consumer, logger } = this.options;
    const reply = SagaReply.parse(envelope.payload);
    const sagaId = envelope.sagaId;
    if (!sagaId) throw new InvalidMessageError('a saga reply must carry a sagaId', envelope.type);
    return messaging.processOnce(consumer, envelope, async (tx) => {
      const saga = await lockSaga(tx.manager, sagaId);
      if (!saga) throw new InvalidMessageError(`no saga ${sagaId}`, envelope.type);
      const decision = applyReply(definition, this.stateOf(saga), reply, this.clock());
      if (!decision.accepted) {
        logger.info('reply ignored', { sagaId, commandId: reply.commandId, reason: decision.reason });
        return;
      }
      await this.transition(tx, saga, decision, { message: envelope });
    });
  }

  /**
   * Acts on passed deadlines, one saga per transaction, up to `limit`; returns how many it handled.
   * Overdue sagas are claimed with FOR UPDATE SKIP LOCKED, so orchestrator replicas share the work and
   * never act on one saga twice.
   */
  async expireOverdue(limit = 50): Promise<number> {
    let handled = 0;
    while (handled < limit) {
      const expired = await this.options.messaging.transaction(async (tx) => {
        const clock = this.clock();
        const saga = await claimOverdueSaga(tx.manager, clock.now);
        if (!saga) return false;
        const decision = applyTimeout(this.options.definition, this.stateOf(saga), clock);
        if (decision.accepted) await this.transition(tx, saga, decision, { by: 'deadline' });
        return true;
      });
      if (!expired) break;
      handled++;
    }
    return handled;
  }

  /** An operator's resume of a saga in REQUIRES_ATTENTION: its stalled command is sent again at once. */
  async resume(sagaId: string): Promise<SagaStatus> {
    return this.options.messaging.transaction(async (tx) => {
      const saga = await lockSaga(tx.manager, sagaId);
      if (!saga) throw new SagaNotFoundError(sagaId);
      const decision = resumeSaga(this.options.definition, this.stateOf(saga), this.clock());
      if (!decision.accepted) throw new SagaNotResumableError(sagaId, decision.reason);
      await this.transition(tx, saga, decision, { by: 'operator' });
      return decision.state.status;
    });
  }

  private stateOf(saga: LockedSaga): SagaState<Ctx> {
    const { definition } = this.options;
    if (saga.definitionName !== definition.name || saga.definitionVersion !== definition.version) {
      throw new Error(
        `saga ${saga.id} runs ${saga.definitionName} v${saga.definitionVersion}; this orchestrator runs ${definition.name} v${definition.version}`,
      );
    }
    return saga.state as SagaState<Ctx>;
  }

  /** Saves a decision on a locked saga (version-checked) with its log entries, and sends what it says. */
  private async transition(
    tx: MessagingTransaction,
    saga: LockedSaga,
    decision: SagaDecision<Ctx>,
    cause: Cause,
  ): Promise<void> {
    const row = rowOf(decision);
    const saved = await saveTransition(
      tx.manager,
      { id: saga.id, expectedVersion: saga.version, logSeq: saga.logSeq, ...row },
      this.logRows(decision, cause),
    );
    if (!saved) throw new ConcurrentSagaUpdateError(saga.id);
    this.send(tx, saga, decision, cause);
    this.announce(tx, saga, decision, cause);
    this.options.logger.info('saga advanced', {
      sagaId: saga.id,
      correlationId: saga.correlationId,
      status: row.status,
      step: row.currentStep,
      cause: 'message' in cause ? cause.message.type : cause.by,
    });
  }

  private logRows(decision: SagaDecision<Ctx>, cause: Cause): SagaLogRow[] {
    const causeMessageId = 'message' in cause ? cause.message.messageId : null;
    return decision.log.map((entry) => ({
      type: entry.type,
      stepId: entry.stepId,
      commandId: entry.commandId,
      causeMessageId,
      data: 'by' in cause ? { ...entry.data, by: cause.by } : entry.data,
    }));
  }

  private send(
    tx: MessagingTransaction,
    saga: { readonly id: string; readonly correlationId: string },
    decision: SagaDecision<Ctx>,
    cause: Cause,
  ): void {
    const causeMessageId = 'message' in cause ? cause.message.messageId : null;
    for (const command of decision.commands) {
      tx.send({
        exchange: Exchange.Commands,
        routingKey: command.type,
        headers: { [MessageHeader.SagaStep]: command.stepId },
        notBefore: command.notBefore ? new Date(command.notBefore) : undefined,
        envelope: newEnvelope({
          messageId: command.commandId,
          type: command.type,
          payload: command.payload,
          sagaId: saga.id,
          correlationId: saga.correlationId,
          causationId: causeMessageId,
        }),
      });
    }
  }

  /** Tells whoever listens that a saga stalled, or was resumed. */
  private announce(tx: MessagingTransaction, saga: LockedSaga, decision: SagaDecision<Ctx>, cause: Cause): void {
    const { stalled, status } = decision.state;
    const before = saga.status;
    const base = { sagaId: saga.id, definition: saga.definitionName, correlationId: saga.correlationId };
    const causationId = 'message' in cause ? cause.message.messageId : null;
    const event = (type: string, payload: SagaStalled | SagaResumed) =>
      tx.send({
        exchange: Exchange.Events,
        routingKey: type,
        envelope: newEnvelope({
          type,
          payload,
          sagaId: saga.id,
          correlationId: saga.correlationId,
          causationId,
        }),
      });
    if (status === SagaStatus.RequiresAttention && before !== SagaStatus.RequiresAttention && stalled) {
      event('saga.stalled', { ...base, stepId: stalled.stepId, phase: stalled.phase, reason: stalled.reason });
      this.options.logger.error('saga needs attention', { ...base, ...stalled });
    }
    const resumedAt = decision.state.awaiting;
    if (before === SagaStatus.RequiresAttention && status !== SagaStatus.RequiresAttention && resumedAt) {
      event('saga.resumed', { ...base, stepId: resumedAt.stepId });
    }
  }
}

/** The instance's columns after a decision: its state, and what operators query beside it. */
function rowOf<Ctx>(decision: SagaDecision<Ctx>): SagaRow {
  const { state } = decision;
  return {
    status: state.status,
    state: state as SagaState<unknown>,
    currentStep: state.awaiting?.stepId ?? state.stalled?.stepId ?? null,
    awaitingCommandId: state.awaiting?.commandId ?? null,
    deadlineAt: state.awaiting ? new Date(state.awaiting.deadlineAt) : null,
  };
}
