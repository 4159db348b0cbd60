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
import type { MessagingTransaction, PendingMessage, ProcessOutcome, TransactionalMessaging } from '@saga/outbox';
import { applyReply, applyTimeout, resumeSaga, startSaga, type EngineClock, type SagaDecision } from '../engine/decide';
import type { SagaDefinition } from '../engine/definition';
import { isTerminal, SagaStatus, type SagaState } from '../engine/state';
import {
  claimOverdueSaga,
  insertSaga,
  lockSaga,
  saveTransition,
  transitionEffect,
  type LockedSaga,
  type SagaLogRow,
  type SagaRow,
} from '../store/saga-store';
import { RecentSagas } from './recent-sagas';

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

/** How many running sagas an orchestrator remembers as it last wrote them. */
const recentSagas = 5_000;

/**
 * Runs instances of one saga definition: each message, passed deadline or operator action causes one
 * transition, persisted with its log entries and with the next command written to the outbox, all in
 * one transaction (which, for a message, also records it in the inbox). A reply to a saga this
 * orchestrator wrote last is decided from that state and saved in one statement, valid only if the
 * saga is still at that version; any other transition is taken under a row lock on the saga.
 */
export class SagaOrchestrator<Ctx> {
  private readonly clock: () => EngineClock;
  private readonly recent = new RecentSagas(recentSagas);

  constructor(private readonly options: SagaOrchestratorOptions<Ctx>) {
    this.clock = options.clock ?? (() => ({ now: new Date(), newId: randomUUID, random: Math.random }));
  }

  /** Starts a saga for the business id `correlationId`, caused by `cause`; once per cause message. */
  async start(cause: MessageEnvelope, correlationId: string, context: Ctx): Promise<ProcessOutcome> {
    const { definition, messaging, consumer, logger } = this.options;
    let started: LockedSaga | undefined;
    const outcome = await messaging.processOnce(consumer, cause, async (tx) => {
      const decision = startSaga(definition, context, this.clock());
      const log = this.logRows(decision, { message: cause });
      const saga: LockedSaga = {
        id: randomUUID(),
        definitionName: definition.name,
        definitionVersion: definition.version,
        correlationId,
        status: decision.state.status,
        state: decision.state as SagaState<unknown>,
        version: 0,
        logSeq: log.length,
      };
      const row = rowOf(decision);
      await insertSaga(tx.manager, { ...saga, ...row }, log);
      for (const message of this.outgoing(saga, decision, { message: cause })) tx.send(message);
      started = saga;
      logger.info('saga started', { sagaId: saga.id, correlationId, step: row.currentStep });
    });
    if (started) this.recent.remember(started);
    return outcome;
  }

  /** Applies a worker's reply to the saga it belongs to; a reply the saga does not wait for changes nothing. */
  async handleReply(envelope: MessageEnvelope): Promise<ProcessOutcome> {
    const { definition, messaging, consumer, logger } = this.options;
    const reply = SagaReply.parse(envelope.payload);
    const sagaId = envelope.sagaId;
    if (!sagaId) throw new InvalidMessageError('a saga reply must carry a sagaId', envelope.type);
    const cause = { message: envelope };

    const recent = this.recent.get(sagaId);
    if (recent) {
      const decision = applyReply(definition, this.stateOf(recent), reply, this.clock());
      if (decision.accepted) {
        const log = this.logRows(decision, cause);
        const saved = await messaging.applyInOneStatement(
          consumer,
          envelope,
          this.outgoing(recent, decision, cause),
          transitionEffect(
            { id: sagaId, expectedVersion: recent.version, logSeq: recent.logSeq, ...rowOf(decision) },
            log,
          ),
        );
        if (saved) {
          this.recent.remember(this.advanced(recent, decision, log.length, cause));
          return 'processed';
        }
      }
      // Moved on elsewhere, or not the reply it waits for: read it under its lock and decide again.
      this.recent.forget(sagaId);
    }

    let after: LockedSaga | undefined;
    const outcome = await messaging.processOnce(consumer, envelope, async (tx) => {
      const saga = await lockSaga(tx.manager, sagaId);
      if (!saga) throw new InvalidMessageError(`no saga ${sagaId}`, envelope.type);
      const decision = applyReply(definition, this.stateOf(saga), reply, this.clock());
      if (!decision.accepted) {
        logger.info('reply ignored', { sagaId, commandId: reply.commandId, reason: decision.reason });
        return;
      }
      after = await this.transition(tx, saga, decision, cause);
    });
    if (after) this.recent.remember(after);
    return outcome;
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
        this.recent.forget(saga.id);
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
    this.recent.forget(sagaId);
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

  /**
   * Saves a decision on a locked saga (version-checked) with its log entries, and sends what it says;
   * returns the saga as it will be once the transaction commits.
   */
  private async transition(
    tx: MessagingTransaction,
    saga: LockedSaga,
    decision: SagaDecision<Ctx>,
    cause: Cause,
  ): Promise<LockedSaga> {
    const log = this.logRows(decision, cause);
    const saved = await saveTransition(
      tx.manager,
      { id: saga.id, expectedVersion: saga.version, logSeq: saga.logSeq, ...rowOf(decision) },
      log,
    );
    if (!saved) throw new ConcurrentSagaUpdateError(saga.id);
    for (const message of this.outgoing(saga, decision, cause)) tx.send(message);
    return this.advanced(saga, decision, log.length, cause);
  }

  // A transition was saved: says so, and returns the saga as it now is.
  private advanced(saga: LockedSaga, decision: SagaDecision<Ctx>, entries: number, cause: Cause): LockedSaga {
    const { status } = decision.state;
    const base = { sagaId: saga.id, definition: saga.definitionName, correlationId: saga.correlationId };
    if (status === SagaStatus.RequiresAttention && saga.status !== SagaStatus.RequiresAttention) {
      this.options.logger.error('saga needs attention', { ...base, ...decision.state.stalled });
    }
    // One line per saga at info (started, then completed or failed); each step's transition at debug:
    // the saga log holds them all, and at hundreds of messages a second a line each is a cost.
    const finished = isTerminal(status) && !isTerminal(saga.status);
    this.options.logger.log(finished ? 'info' : 'debug', finished ? `saga ${status.toLowerCase()}` : 'saga advanced', {
      sagaId: saga.id,
      correlationId: saga.correlationId,
      status,
      step: rowOf(decision).currentStep,
      cause: 'message' in cause ? cause.message.type : cause.by,
    });
    return {
      ...saga,
      status,
      state: decision.state as SagaState<unknown>,
      version: saga.version + 1,
      logSeq: saga.logSeq + entries,
    };
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

  /** What a decision sends: its commands, and saga.stalled or saga.resumed when it stalled or resumed. */
  private outgoing(saga: LockedSaga, decision: SagaDecision<Ctx>, cause: Cause): PendingMessage[] {
    const causationId = 'message' in cause ? cause.message.messageId : null;
    const messages: PendingMessage[] = decision.commands.map((command) => ({
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
        causationId,
      }),
    }));
    const { stalled, status, awaiting } = decision.state;
    const before = saga.status;
    const base = { sagaId: saga.id, definition: saga.definitionName, correlationId: saga.correlationId };
    const event = (type: string, payload: SagaStalled | SagaResumed): PendingMessage => ({
      exchange: Exchange.Events,
      routingKey: type,
      envelope: newEnvelope({ type, payload, sagaId: saga.id, correlationId: saga.correlationId, causationId }),
    });
    if (status === SagaStatus.RequiresAttention && before !== SagaStatus.RequiresAttention && stalled) {
      messages.push(
        event('saga.stalled', { ...base, stepId: stalled.stepId, phase: stalled.phase, reason: stalled.reason }),
      );
    }
    if (before === SagaStatus.RequiresAttention && status !== SagaStatus.RequiresAttention && awaiting) {
      messages.push(event('saga.resumed', { ...base, stepId: awaiting.stepId }));
    }
    return messages;
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
