import { randomUUID } from 'node:crypto';
import {
  Exchange,
  InvalidMessageError,
  MessageHeader,
  newEnvelope,
  SagaReply,
  sagaResumed,
  sagaStalled,
  type MessageEnvelope,
} from '@saga/contracts';
import type { Logger } from '@saga/observability';
import {
  eventMessage,
  type MessagingTransaction,
  type PendingMessage,
  type ProcessOutcome,
  type TransactionalMessaging,
} from '@saga/outbox';
import {
  applyReply,
  applyTimeout,
  parkSaga,
  startSaga,
  type Decision,
  type EngineClock,
  type SagaDecision,
  type SagaLogEntry,
} from '../engine/decide';
import {
  compensationPlanOf,
  extendDeadline,
  fireDeadline,
  forceCompensation,
  killSaga,
  resumeSaga,
  skipStep,
  type CompensationPlan,
  type ForcedCompensation,
} from '../engine/operator-actions';
import type { AnySagaDefinition, SagaDefinition } from '../engine/definition';
import { isTerminal, SagaStatus } from '../engine/state';
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
import { registerDefinitions } from '../store/definition-registry';
import { RecentSagas } from './recent-sagas';
import { SagaTelemetry, type SagaMetrics } from './saga-telemetry';

export interface SagaOrchestratorOptions<Input> {
  /**
   * Every version of the saga this build can run, under one name: new sagas start on the latest, and
   * each running saga is driven on the version it started with.
   */
  readonly definitions: readonly SagaDefinition<Input>[];
  readonly messaging: TransactionalMessaging;
  /** Name under which this orchestrator records the messages it processed (its inbox consumer). */
  readonly consumer: string;
  readonly logger: Logger;
  readonly clock?: () => EngineClock;
  /** Counters of sagas started and ended, and step durations, per definition. */
  readonly metrics?: SagaMetrics;
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

/** Thrown by an operator action the saga's state or step kinds do not allow; `reason` says why. */
export class SagaActionRefusedError extends Error {
  constructor(
    readonly sagaId: string,
    readonly action: string,
    readonly reason: string,
  ) {
    super(`${action} of saga ${sagaId} refused: ${reason}`);
    this.name = 'SagaActionRefusedError';
  }
}

/** An operator acting on a saga: who (the token's subject) and why; both go into the saga log. */
export interface OperatorAct {
  readonly actor: string;
  readonly reason: string;
}

/** What an operator action did: the saga's status after it, and the commands it sent. */
export interface OperatorOutcome {
  readonly sagaId: string;
  readonly status: SagaStatus;
  readonly sent: { readonly type: string; readonly stepId: string }[];
}

/** Thrown at construction for a list of definitions that cannot serve one saga. */
export class InvalidSagaDefinitionsError extends Error {
  constructor(detail: string) {
    super(`saga orchestrator: ${detail}`);
    this.name = 'InvalidSagaDefinitionsError';
  }
}

/** A transition saved in a transaction: the saga as it is after it, and what to report once it commits. */
interface Transitioned {
  readonly saga: LockedSaga;
  report(): void;
}

/** What caused a transition: a message, a passed deadline or an operator. */
type Cause =
  | { readonly message: MessageEnvelope }
  | { readonly by: 'deadline' }
  | { readonly by: 'operator'; readonly operator: OperatorAct; readonly action: string };

/** How many running sagas an orchestrator remembers as it last wrote them. */
const recentSagas = 5_000;

/**
 * Runs instances of one saga definition: each message, passed deadline or operator action causes one
 * transition, persisted with its log entries and with the next command written to the outbox, all in
 * one transaction (which, for a message, also records it in the inbox). A reply to a saga this
 * orchestrator wrote last is decided from that state and saved in one statement, valid only if the
 * saga is still at that version; any other transition is taken under a row lock on the saga.
 */
export class SagaOrchestrator<Input> {
  private readonly clock: () => EngineClock;
  private readonly recent = new RecentSagas(recentSagas);
  private readonly versions = new Map<number, SagaDefinition<Input>>();
  private readonly telemetry: SagaTelemetry;
  /** The version new sagas start on: the highest. */
  readonly latest: SagaDefinition<Input>;

  constructor(private readonly options: SagaOrchestratorOptions<Input>) {
    this.clock = options.clock ?? (() => ({ now: new Date(), newId: randomUUID, random: Math.random }));
    this.telemetry = new SagaTelemetry(options.metrics);
    const [first] = options.definitions;
    if (!first) throw new InvalidSagaDefinitionsError('it needs at least one definition');
    for (const definition of options.definitions) {
      if (definition.name !== first.name) {
        throw new InvalidSagaDefinitionsError(`${definition.name} and ${first.name} are different sagas`);
      }
      if (this.versions.has(definition.version)) {
        throw new InvalidSagaDefinitionsError(`${definition.name} v${definition.version} is given twice`);
      }
      this.versions.set(definition.version, definition);
    }
    this.latest = [...this.versions.values()].reduce((a, b) => (b.version > a.version ? b : a));
  }

  /** The saga's name; every version shares it. */
  get name(): string {
    return this.latest.name;
  }

  /** The version of this number this build runs, or undefined. */
  version(version: number): SagaDefinition<Input> | undefined {
    return this.versions.get(version);
  }

  /** Every version this orchestrator runs, oldest first. */
  get definitions(): readonly SagaDefinition<Input>[] {
    return [...this.versions.values()].sort((a, b) => a.version - b.version);
  }

  /**
   * Records the versions this build runs, the first time each runs; throws DefinitionChangedError
   * when a version ran before with other steps. Called once at start-up, before any message.
   */
  async register(): Promise<void> {
    await this.options.messaging.transaction((tx) => registerDefinitions(tx.manager, this.definitions));
  }

  /** Starts a saga for the business id `correlationId`, caused by `cause`; once per cause message. */
  async start(cause: MessageEnvelope, correlationId: string, input: Input): Promise<ProcessOutcome> {
    const { messaging, consumer, logger } = this.options;
    const definition = this.latest;
    let started: LockedSaga | undefined;
    const outcome = await messaging.processOnce(consumer, cause, async (tx) => {
      const clock = this.clock();
      const decision = startSaga(definition, input, clock);
      const log = this.logRows(decision, { message: cause });
      const saga: LockedSaga = {
        id: randomUUID(),
        definitionName: definition.name,
        definitionVersion: definition.version,
        definitionFingerprint: definition.fingerprint,
        correlationId,
        status: decision.state.status,
        state: decision.state,
        version: 0,
        logSeq: log.length,
        createdAt: clock.now,
        traceParent: SagaTelemetry.traceParentNow(),
      };
      const row = rowOf(decision);
      await insertSaga(tx.manager, { ...saga, ...row }, log);
      for (const message of this.outgoing(saga, decision, { message: cause })) tx.send(message);
      started = saga;
      logger.info('saga started', {
        sagaId: saga.id,
        correlationId,
        version: definition.version,
        step: row.currentStep,
      });
    });
    if (started) {
      this.recent.remember(started);
      this.telemetry.started(started);
    }
    return outcome;
  }

  /** Applies a worker's reply to the saga it belongs to; a reply the saga does not wait for changes nothing. */
  async handleReply(envelope: MessageEnvelope): Promise<ProcessOutcome> {
    const { messaging, consumer, logger } = this.options;
    const reply = SagaReply.parse(envelope.payload);
    const sagaId = envelope.sagaId;
    if (!sagaId) throw new InvalidMessageError('a saga reply must carry a sagaId', envelope.type);
    const cause = { message: envelope };

    const recent = this.recent.get(sagaId);
    if (recent) {
      const decision = this.decide(recent, (definition, clock) => applyReply(definition, recent.state, reply, clock));
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
          this.telemetry.transitioned(recent, decision, new Date());
          return 'processed';
        }
      }
      // Moved on elsewhere, or not the reply it waits for: read it under its lock and decide again.
      this.recent.forget(sagaId);
    }

    let after: Transitioned | undefined;
    const outcome = await messaging.processOnce(consumer, envelope, async (tx) => {
      const saga = await lockSaga(tx.manager, sagaId);
      if (!saga) throw new InvalidMessageError(`no saga ${sagaId}`, envelope.type);
      const decision = this.decide(saga, (definition, clock) => applyReply(definition, saga.state, reply, clock));
      if (!decision.accepted) {
        logger.info('reply ignored', { sagaId, commandId: reply.commandId, reason: decision.reason });
        return;
      }
      after = await this.transition(tx, saga, decision, cause);
    });
    if (after) {
      this.recent.remember(after.saga);
      after.report();
    }
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
        const saga = await claimOverdueSaga(tx.manager, this.name, this.clock().now);
        if (!saga) return false;
        this.recent.forget(saga.id);
        const decision = this.decide(saga, (definition, clock) => applyTimeout(definition, saga.state, clock));
        return decision.accepted ? await this.transition(tx, saga, decision, { by: 'deadline' }) : true;
      });
      if (!expired) break;
      if (expired !== true) expired.report();
      handled++;
    }
    return handled;
  }

  /** `retry`: sends the command a saga in REQUIRES_ATTENTION gave up on again, at once. */
  retry(sagaId: string, act: OperatorAct): Promise<OperatorOutcome> {
    return this.operate(sagaId, { act, action: 'retry' }, (definition, state, clock) =>
      resumeSaga(definition, state, clock),
    );
  }

  /** `skip`: marks the step the saga waits on as done by hand (see skipStep for where that is allowed). */
  skip(sagaId: string, skip: { stepId: string; result?: unknown }, act: OperatorAct): Promise<OperatorOutcome> {
    return this.operate(sagaId, { act, action: 'skip' }, (definition, state, clock) =>
      skipStep(definition, state, skip, clock),
    );
  }

  /** `compensate` or `cancel`: turns a saga not past its pivot to compensation. */
  compensate(sagaId: string, how: ForcedCompensation, act: OperatorAct): Promise<OperatorOutcome> {
    return this.operate(sagaId, { act, action: how.action }, (definition, state, clock) =>
      forceCompensation(definition, state, how, clock),
    );
  }

  /** What `compensate` or `cancel` would send, in order, without changing anything. */
  async compensationPlan(sagaId: string, how: ForcedCompensation): Promise<CompensationPlan> {
    const saga = await this.options.messaging.transaction((tx) => lockSaga(tx.manager, sagaId));
    if (!saga) throw new SagaNotFoundError(sagaId);
    const definition = this.definitionOf(saga);
    if (typeof definition === 'string') throw new SagaActionRefusedError(sagaId, how.action, definition);
    const plan = compensationPlanOf(definition, saga.state, how);
    if (typeof plan === 'string') throw new SagaActionRefusedError(sagaId, how.action, plan);
    return plan;
  }

  /** `kill`: stops a saga without compensation; works on a saga this build cannot run, too. */
  kill(sagaId: string, act: OperatorAct): Promise<OperatorOutcome> {
    return this.operate(sagaId, { act, action: 'kill', needsDefinition: false }, (_definition, state) =>
      killSaga(state),
    );
  }

  /** `deadline extend`: pushes the deadline of the command the saga waits for out by `byMs`. */
  extendDeadline(sagaId: string, byMs: number, act: OperatorAct): Promise<OperatorOutcome> {
    return this.operate(sagaId, { act, action: 'deadline extend' }, (_definition, state, clock) =>
      extendDeadline(state, byMs, clock),
    );
  }

  /** `deadline fire`: acts on the deadline of the command the saga waits for now, as if it had passed. */
  fireDeadline(sagaId: string, act: OperatorAct): Promise<OperatorOutcome> {
    return this.operate(sagaId, { act, action: 'deadline fire' }, (definition, state, clock) =>
      fireDeadline(definition, state, clock),
    );
  }

  /**
   * Adds an operator's entry to a saga's log (a dead letter of it replayed or purged) and changes nothing
   * else; false when there is no such saga. Needs no definition: any saga's log takes a note.
   */
  async note(sagaId: string, entry: SagaLogEntry, act: OperatorAct & { action: string }): Promise<boolean> {
    this.recent.forget(sagaId);
    return this.options.messaging.transaction(async (tx) => {
      const saga = await lockSaga(tx.manager, sagaId);
      if (!saga) return false;
      const decision: SagaDecision = { state: saga.state, commands: [], log: [entry] };
      await this.transition(tx, saga, decision, { by: 'operator', operator: act, action: act.action });
      return true;
    });
  }

  /**
   * One operator action as one transition, under the saga's row lock: decided on the saga's own
   * definition version, logged with who and why, refused with the engine's reason.
   */
  private async operate(
    sagaId: string,
    { act, action, needsDefinition = true }: { act: OperatorAct; action: string; needsDefinition?: boolean },
    decide: (definition: AnySagaDefinition, state: LockedSaga['state'], clock: EngineClock) => Decision,
  ): Promise<OperatorOutcome> {
    this.recent.forget(sagaId);
    let done: Transitioned | undefined;
    const outcome = await this.options.messaging.transaction(async (tx) => {
      const saga = await lockSaga(tx.manager, sagaId);
      if (!saga) throw new SagaNotFoundError(sagaId);
      const definition = this.definitionOf(saga);
      if (typeof definition === 'string' && needsDefinition)
        throw new SagaActionRefusedError(sagaId, action, definition);
      const decision = decide(definition as AnySagaDefinition, saga.state, this.clock());
      if (!decision.accepted) throw new SagaActionRefusedError(sagaId, action, decision.reason);
      done = await this.transition(tx, saga, decision, { by: 'operator', operator: act, action });
      this.options.logger.warn('operator acted on a saga', {
        sagaId,
        action,
        actor: act.actor,
        reason: act.reason,
        status: decision.state.status,
      });
      return {
        sagaId,
        status: decision.state.status,
        sent: decision.commands.map((command) => ({ type: command.type, stepId: command.stepId })),
      };
    });
    done?.report();
    return outcome;
  }

  /**
   * Decides what happens to a saga on the definition version it started on. A saga this build cannot
   * run (its version unknown here, its steps not the ones that version has, a decision that threw)
   * is parked for a person instead, once: it never holds up another saga or the deadline scan.
   */
  private decide(
    saga: LockedSaga,
    decision: (definition: AnySagaDefinition, clock: EngineClock) => Decision,
  ): Decision {
    const clock = this.clock();
    const definition = this.definitionOf(saga);
    if (typeof definition === 'string') return parkSaga(saga.state, definition, clock);
    try {
      return decision(definition, clock);
    } catch (error) {
      // A reply that breaks its contract is the message's fault: it goes to the dead-letter queue.
      if (error instanceof InvalidMessageError) throw error;
      const reason = `${definition.name} v${definition.version} could not decide: ${(error as Error).message}`;
      this.options.logger.error('saga decision failed; parking the saga', { sagaId: saga.id, error });
      return parkSaga(saga.state, reason, clock);
    }
  }

  /** The definition a saga runs on, or why this build cannot run it. */
  private definitionOf(saga: LockedSaga): AnySagaDefinition | string {
    const definition = saga.definitionName === this.name ? this.versions.get(saga.definitionVersion) : undefined;
    const runs = `the saga runs ${saga.definitionName} v${saga.definitionVersion}`;
    if (!definition) {
      const known = this.definitions.map((d) => `v${d.version}`).join(', ');
      return `${runs}, which this build does not have (it has ${this.name} ${known})`;
    }
    if (saga.definitionFingerprint !== null && saga.definitionFingerprint !== definition.fingerprint) {
      return `${runs} with steps ${saga.definitionFingerprint}; this build's v${definition.version} has steps ${definition.fingerprint}`;
    }
    return definition;
  }

  /**
   * Saves a decision on a locked saga (version-checked) with its log entries, and sends what it says;
   * returns the saga as it will be once the transaction commits, and its report for after the commit.
   */
  private async transition(
    tx: MessagingTransaction,
    saga: LockedSaga,
    decision: SagaDecision,
    cause: Cause,
  ): Promise<Transitioned> {
    const log = this.logRows(decision, cause);
    const saved = await saveTransition(
      tx.manager,
      { id: saga.id, expectedVersion: saga.version, logSeq: saga.logSeq, ...rowOf(decision) },
      log,
    );
    if (!saved) throw new ConcurrentSagaUpdateError(saga.id);
    for (const message of this.outgoing(saga, decision, cause)) tx.send(message);
    const now = new Date();
    return {
      saga: this.advanced(saga, decision, log.length, cause),
      report: () => this.telemetry.transitioned(saga, decision, now),
    };
  }

  // A transition was saved: says so, and returns the saga as it now is.
  private advanced(saga: LockedSaga, decision: SagaDecision, entries: number, cause: Cause): LockedSaga {
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
      state: decision.state,
      version: saga.version + 1,
      logSeq: saga.logSeq + entries,
    };
  }

  private logRows(decision: SagaDecision, cause: Cause): SagaLogRow[] {
    const causeMessageId = 'message' in cause ? cause.message.messageId : null;
    return decision.log.map((entry) => ({
      type: entry.type,
      stepId: entry.stepId,
      commandId: entry.commandId,
      causeMessageId,
      data: 'by' in cause ? { ...entry.data, ...byWhom(cause) } : entry.data,
    }));
  }

  /** What a decision sends: its commands, and saga.stalled or saga.resumed when it stalled or resumed. */
  private outgoing(saga: LockedSaga, decision: SagaDecision, cause: Cause): PendingMessage[] {
    const causationId = 'message' in cause ? cause.message.messageId : null;
    const messages: PendingMessage[] = decision.commands.map((command) => ({
      exchange: Exchange.Commands,
      routingKey: command.type,
      headers: {
        ...this.telemetry.commandHeaders(saga, command.stepId, command.phase),
        [MessageHeader.SagaStep]: command.stepId,
      },
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
    const ids = { sagaId: saga.id, correlationId: saga.correlationId, causationId };
    if (status === SagaStatus.RequiresAttention && before !== SagaStatus.RequiresAttention && stalled) {
      const payload = { ...base, stepId: stalled.stepId, phase: stalled.phase, reason: stalled.reason };
      messages.push(eventMessage(sagaStalled, payload, ids));
    }
    // Attention is over once the saga moves on by any way but a kill, which leaves it for a person.
    const movedOn = status !== SagaStatus.RequiresAttention && status !== SagaStatus.Killed;
    if (before === SagaStatus.RequiresAttention && movedOn) {
      const stepId = awaiting?.stepId ?? saga.state.stalled?.stepId ?? '';
      messages.push(eventMessage(sagaResumed, { ...base, stepId }, ids));
    }
    return messages;
  }
}

/** What the log says of who caused a transition: the deadline scan, or an operator, with why. */
function byWhom(cause: Extract<Cause, { by: string }>): Record<string, unknown> {
  if (cause.by === 'deadline') return { by: 'deadline' };
  return { by: 'operator', action: cause.action, actor: cause.operator.actor, reason: cause.operator.reason };
}

/** The instance's columns after a decision: its state, and what operators query beside it. */
function rowOf(decision: SagaDecision): SagaRow {
  const { state } = decision;
  return {
    status: state.status,
    state,
    currentStep: state.awaiting?.stepId ?? state.stalled?.stepId ?? null,
    awaitingCommandId: state.awaiting?.commandId ?? null,
    deadlineAt: state.awaiting ? new Date(state.awaiting.deadlineAt) : null,
  };
}
