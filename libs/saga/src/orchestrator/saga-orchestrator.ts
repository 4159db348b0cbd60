import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Exchange, InvalidMessageError, SagaReply, type MessageEnvelope, newEnvelope } from '@saga/contracts';
import type { Logger } from '@saga/observability';
import { type MessagingTransaction, type ProcessOutcome, type TransactionalMessaging } from '@saga/outbox';
import { applyReply, startSaga, type EngineClock, type SagaDecision } from '../engine/decide';
import type { SagaDefinition } from '../engine/definition';
import type { SagaState } from '../engine/state';
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

/**
 * Runs instances of one saga definition: each message causes one transition, taken under a row lock
 * on the saga, persisted with its log entries and with the next command written to the outbox, all
 * in the transaction that also records the message in the inbox.
 */
export class SagaOrchestrator<Ctx> {
  private readonly clock: () => EngineClock;

  constructor(private readonly options: SagaOrchestratorOptions<Ctx>) {
    this.clock = options.clock ?? (() => ({ now: new Date(), newId: randomUUID }));
  }

  /** Starts a saga for the business id `correlationId`, caused by `cause`; once per cause message. */
  async start(cause: MessageEnvelope, correlationId: string, context: Ctx): Promise<ProcessOutcome> {
    const { definition, messaging, consumer, logger } = this.options;
    return messaging.processOnce(consumer, cause, async (tx) => {
      const sagaId = randomUUID();
      const decision = startSaga(definition, context, this.clock());
      const instance = tx.manager.getRepository(SagaInstance).create({
        id: sagaId,
        definitionName: definition.name,
        definitionVersion: definition.version,
        correlationId,
        version: 0,
      });
      applyDecisionTo(instance, decision);
      // TypeORM's deep-partial insert type cannot express a jsonb column holding `unknown`.
      await tx.manager.getRepository(SagaInstance).insert(instance as QueryDeepPartialEntity<SagaInstance>);
      await this.record(tx, instance, decision, cause);
      logger.info('saga started', { sagaId, correlationId, status: instance.status, step: instance.currentStep });
    });
  }

  /** Applies a worker's reply to the saga it belongs to; a reply the saga does not wait for changes nothing. */
  async handleReply(envelope: MessageEnvelope): Promise<ProcessOutcome> {
    const { definition, messaging, consumer, logger } = this.options;
    const reply = SagaReply.parse(envelope.payload);
    const sagaId = envelope.sagaId;
    if (!sagaId) throw new InvalidMessageError('a saga reply must carry a sagaId', envelope.type);
    return messaging.processOnce(consumer, envelope, async (tx) => {
      const instance = await lockSaga(tx.manager, sagaId);
      if (!instance) throw new InvalidMessageError(`no saga ${sagaId}`, envelope.type);
      if (instance.definitionName !== definition.name || instance.definitionVersion !== definition.version) {
        throw new Error(
          `saga ${sagaId} runs ${instance.definitionName} v${instance.definitionVersion}; this orchestrator runs ${definition.name} v${definition.version}`,
        );
      }
      const state = instance.state as SagaState<Ctx>;
      const decision = applyReply(definition, state, reply, this.clock());
      const log = logger.child({ sagaId, correlationId: instance.correlationId, commandId: reply.commandId });
      if (!decision.accepted) {
        log.info('reply ignored', { reason: decision.reason, commandType: reply.commandType });
        return;
      }
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
        .where('id = :id AND version = :version', { id: sagaId, version: expectedVersion })
        .execute();
      if (updated.affected !== 1) throw new ConcurrentSagaUpdateError(sagaId);
      await this.record(tx, instance, decision, envelope);
      log.info('saga advanced', { status: instance.status, step: instance.currentStep, outcome: reply.outcome });
    });
  }

  private async record(
    tx: MessagingTransaction,
    instance: SagaInstance,
    decision: SagaDecision<Ctx>,
    cause: MessageEnvelope,
  ): Promise<void> {
    const events = tx.manager.getRepository(SagaEvent);
    const last = await events
      .createQueryBuilder('e')
      .select('COALESCE(MAX(e.seq), 0)', 'seq')
      .where('e.saga_id = :id', { id: instance.id })
      .getRawOne<{ seq: number }>();
    let seq = Number(last?.seq ?? 0);
    if (decision.log.length > 0) {
      await events.insert(
        decision.log.map((entry) => ({
          sagaId: instance.id,
          seq: ++seq,
          type: entry.type,
          stepId: entry.stepId,
          commandId: entry.commandId,
          causeMessageId: cause.messageId,
          statusAfter: instance.status,
          data: entry.data as never,
        })),
      );
    }
    for (const command of decision.commands) {
      tx.send({
        exchange: Exchange.Commands,
        routingKey: command.type,
        envelope: newEnvelope({
          messageId: command.commandId,
          type: command.type,
          payload: command.payload,
          sagaId: instance.id,
          correlationId: instance.correlationId,
          causationId: cause.messageId,
        }),
      });
    }
  }
}

function applyDecisionTo<Ctx>(instance: SagaInstance, decision: SagaDecision<Ctx>): void {
  const { state } = decision;
  instance.status = state.status;
  instance.state = state as SagaState<unknown>;
  instance.currentStep = state.awaiting?.stepId ?? null;
  instance.awaitingCommandId = state.awaiting?.commandId ?? null;
  instance.deadlineAt = state.awaiting ? new Date(state.awaiting.deadlineAt) : null;
}

function lockSaga(manager: EntityManager, sagaId: string): Promise<SagaInstance | null> {
  return manager
    .getRepository(SagaInstance)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.id = :id', { id: sagaId })
    .getOne();
}
