import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
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
import { SagaEvent } from '../store/saga-event.entity';
import { SagaInstance } from '../store/saga-instance.entity';

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
      const instance = tx.manager.getRepository(SagaInstance).create({
        id: randomUUID(),
        definitionName: definition.name,
        definitionVersion: definition.version,
        correlationId,
        version: 0,
      });
      applyDecisionTo(instance, decision);
      // TypeORM's deep-partial insert type cannot express a jsonb column holding `unknown`.
      await tx.manager.getRepository(SagaInstance).insert(instance as QueryDeepPartialEntity<SagaInstance>);
      await this.record(tx, instance, decision, { message: cause });
      logger.info('saga started', { sagaId: instance.id, correlationId, step: instance.currentStep });
    });
  }

  /** Applies a worker's reply to the saga it belongs to; a reply the saga does not wait for changes nothing. */
  async handleReply(envelope: MessageEnvelope): Promise<ProcessOutcome> {
    const { definition, messaging, consumer, logger } = this.options;
    const reply = SagaReply.parse(envelope.payload);
    const sagaId = envelope.sagaId;
    if (!sagaId) throw new InvalidMessageError('a saga reply must carry a sagaId', envelope.type);
    return messaging.processOnce(consumer, envelope, async (tx) => {
      const instance = await this.lock(tx.manager, sagaId);
      if (!instance) throw new InvalidMessageError(`no saga ${sagaId}`, envelope.type);
      const decision = applyReply(definition, this.stateOf(instance), reply, this.clock());
      if (!decision.accepted) {
        logger.info('reply ignored', { sagaId, commandId: reply.commandId, reason: decision.reason });
        return;
      }
      await this.transition(tx, instance, decision, { message: envelope });
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
        const instance = await tx.manager
          .getRepository(SagaInstance)
          .createQueryBuilder('s')
          .where('s.awaiting_command_id IS NOT NULL')
          .andWhere('s.deadline_at <= :now', { now: clock.now })
          .orderBy('s.deadline_at')
          .limit(1)
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .getOne();
        if (!instance) return false;
        const decision = applyTimeout(this.options.definition, this.stateOf(instance), clock);
        if (decision.accepted) await this.transition(tx, instance, decision, { by: 'deadline' });
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
      const instance = await this.lock(tx.manager, sagaId);
      if (!instance) throw new SagaNotFoundError(sagaId);
      const decision = resumeSaga(this.options.definition, this.stateOf(instance), this.clock());
      if (!decision.accepted) throw new SagaNotResumableError(sagaId, decision.reason);
      await this.transition(tx, instance, decision, { by: 'operator' });
      return instance.status;
    });
  }

  private lock(manager: EntityManager, sagaId: string): Promise<SagaInstance | null> {
    return manager
      .getRepository(SagaInstance)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.id = :id', { id: sagaId })
      .getOne();
  }

  private stateOf(instance: SagaInstance): SagaState<Ctx> {
    const { definition } = this.options;
    if (instance.definitionName !== definition.name || instance.definitionVersion !== definition.version) {
      throw new Error(
        `saga ${instance.id} runs ${instance.definitionName} v${instance.definitionVersion}; this orchestrator runs ${definition.name} v${definition.version}`,
      );
    }
    return instance.state as SagaState<Ctx>;
  }

  /** Saves a decision on a locked saga (version-checked), logs it and sends what it says. */
  private async transition(
    tx: MessagingTransaction,
    instance: SagaInstance,
    decision: SagaDecision<Ctx>,
    cause: Cause,
  ): Promise<void> {
    const before = instance.status;
    const expectedVersion = instance.version;
    applyDecisionTo(instance, decision);
    const updated = await tx.manager
      .createQueryBuilder()
      .update(SagaInstance)
      .set({
        status: instance.status,
        currentStep: instance.currentStep,
        awaitingCommandId: instance.awaitingCommandId,
        deadlineAt: instance.deadlineAt,
        state: instance.state as never,
        version: () => 'version + 1',
        updatedAt: () => 'now()',
      })
      .where('id = :id AND version = :version', { id: instance.id, version: expectedVersion })
      .execute();
    if (updated.affected !== 1) throw new ConcurrentSagaUpdateError(instance.id);
    await this.record(tx, instance, decision, cause);
    this.announce(tx, instance, before, decision, cause);
    this.options.logger.info('saga advanced', {
      sagaId: instance.id,
      correlationId: instance.correlationId,
      status: instance.status,
      step: instance.currentStep,
      cause: 'message' in cause ? cause.message.type : cause.by,
    });
  }

  private async record(
    tx: MessagingTransaction,
    instance: SagaInstance,
    decision: SagaDecision<Ctx>,
    cause: Cause,
  ): Promise<void> {
    const events = tx.manager.getRepository(SagaEvent);
    const last = await events
      .createQueryBuilder('e')
      .select('COALESCE(MAX(e.seq), 0)', 'seq')
      .where('e.saga_id = :id', { id: instance.id })
      .getRawOne<{ seq: number }>();
    let seq = Number(last?.seq ?? 0);
    const causeMessageId = 'message' in cause ? cause.message.messageId : null;
    if (decision.log.length > 0) {
      await events.insert(
        decision.log.map((entry) => ({
          sagaId: instance.id,
          seq: ++seq,
          type: entry.type,
          stepId: entry.stepId,
          commandId: entry.commandId,
          causeMessageId,
          statusAfter: instance.status,
          data: ('by' in cause ? { ...entry.data, by: cause.by } : entry.data) as never,
        })),
      );
    }
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
          sagaId: instance.id,
          correlationId: instance.correlationId,
          causationId: causeMessageId,
        }),
      });
    }
  }

  /** Tells whoever listens that a saga stalled, or was resumed. */
  private announce(
    tx: MessagingTransaction,
    instance: SagaInstance,
    before: SagaStatus,
    decision: SagaDecision<Ctx>,
    cause: Cause,
  ): void {
    const { stalled } = decision.state;
    const base = { sagaId: instance.id, definition: instance.definitionName, correlationId: instance.correlationId };
    const causationId = 'message' in cause ? cause.message.messageId : null;
    const event = (type: string, payload: SagaStalled | SagaResumed) =>
      tx.send({
        exchange: Exchange.Events,
        routingKey: type,
        envelope: newEnvelope({
          type,
          payload,
          sagaId: instance.id,
          correlationId: instance.correlationId,
          causationId,
        }),
      });
    if (instance.status === SagaStatus.RequiresAttention && before !== SagaStatus.RequiresAttention && stalled) {
      event('saga.stalled', { ...base, stepId: stalled.stepId, phase: stalled.phase, reason: stalled.reason });
      this.options.logger.error('saga needs attention', { ...base, ...stalled });
    }
    const resumedAt = decision.state.awaiting;
    if (before === SagaStatus.RequiresAttention && instance.status !== SagaStatus.RequiresAttention && resumedAt) {
      event('saga.resumed', { ...base, stepId: resumedAt.stepId });
    }
  }
}

function applyDecisionTo<Ctx>(instance: SagaInstance, decision: SagaDecision<Ctx>): void {
  const { state } = decision;
  instance.status = state.status;
  instance.state = state as SagaState<unknown>;
  instance.currentStep = state.awaiting?.stepId ?? state.stalled?.stepId ?? null;
  instance.awaitingCommandId = state.awaiting?.commandId ?? null;
  instance.deadlineAt = state.awaiting ? new Date(state.awaiting.deadlineAt) : null;
}
