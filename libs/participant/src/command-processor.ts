import {
  Exchange,
  InvalidMessageError,
  MessageHeader,
  commandContracts,
  isCommandType,
  replyRoutingKey,
  sagaReplyType,
  type CommandContract,
  type CommandPayload,
  type CommandResult,
  type CommandType,
  type Failure,
  type FailureCode,
  type MessageEnvelope,
  type SagaReply,
  newEnvelope,
} from '@saga/contracts';
import type { ReceivedMessage } from '@saga/messaging';
import { messageContext, type Logger } from '@saga/observability';
import { type PendingMessage, type TransactionalMessaging } from '@saga/outbox';
import type { EntityManager } from 'typeorm';

/** What a worker's handler concludes: the command's result, or a business failure the saga reacts to. */
export type CommandOutcome<R> =
  { readonly outcome: 'success'; readonly result: R } | { readonly outcome: 'failure'; readonly failure: Failure };

/**
 * The handler's word that the reply comes later, from another message (a provider's webhook): the
 * command is recorded as handled, nothing is sent now, and the handler keeps its replyAddress to
 * answer with sendReply once it knows.
 */
export interface ReplyLater {
  readonly outcome: 'later';
}

/** The command did what it was asked. */
export function succeed<R>(result: R): CommandOutcome<R> {
  return { outcome: 'success', result };
}

/** The command could not be done for a business reason; the reply tells the saga why. */
export function fail(code: FailureCode, message: string): CommandOutcome<never> {
  return { outcome: 'failure', failure: { code, message } };
}

/** The reply goes out later, by sendReply to the command's replyAddress. */
export function replyLater(): ReplyLater {
  return { outcome: 'later' };
}

/** Where the reply to a command goes, kept as data so that it can be sent in a later transaction. */
export interface ReplyAddress {
  readonly commandId: string;
  readonly commandType: CommandType;
  readonly sagaId: string | null;
  readonly correlationId: string;
  /** The saga step the command came for (its x-saga-step header), copied onto the reply. */
  readonly step: string | null;
}

/** What a handler may use: the transaction its effects must go into, and the command's envelope. */
export interface CommandContext {
  readonly manager: EntityManager;
  readonly envelope: MessageEnvelope;
  readonly replyAddress: ReplyAddress;
  readonly logger: Logger;
  /** Sends a message (an event) in the handler's transaction, besides the reply. */
  send(message: PendingMessage): void;
}

/** What a handler may conclude: an outcome to reply with now, or that the reply comes later. */
export type Concluded<C extends CommandContract> = CommandOutcome<CommandResult<C>> | ReplyLater;

export type CommandHandler<C extends CommandContract> = (
  payload: CommandPayload<C>,
  context: CommandContext,
) => Promise<Concluded<C>>;

/** A call the handler needs made outside the database before it can conclude. */
export interface CallFirst<Call> {
  readonly call: Call;
}

/** Asks for the call to be made, with no transaction open, before the handler concludes. */
export function callFirst<Call>(call: Call): CallFirst<Call> {
  return { call };
}

/**
 * A command whose work is a call to another system (a card network, a mail server), which must not
 * be made while a transaction is open. decide runs in the command's transaction: it concludes from
 * what is recorded, or writes down the intent of a call and asks for it; the intent commits without
 * the command being recorded as handled. call runs with no transaction open and must be safe to
 * repeat (an idempotency key): a crash before conclude ends with the redelivery calling again.
 * conclude runs in the command's transaction again, with its inbox record and reply.
 */
export interface CallingCommandHandler<C extends CommandContract, Call, Answer> {
  decide(payload: CommandPayload<C>, context: CommandContext): Promise<Concluded<C> | CallFirst<Call>>;
  call(call: Call, logger: Logger): Promise<Answer>;
  conclude(payload: CommandPayload<C>, call: Call, answer: Answer, context: CommandContext): Promise<Concluded<C>>;
}

/** A handler of either kind: all in the command's transaction, or with a call outside it. */
export type AnyCommandHandler<C extends CommandContract> =
  CommandHandler<C> | CallingCommandHandler<C, unknown, unknown>;

/** One handler for each command type a worker serves. */
export type CommandHandlers<T extends CommandType> = {
  readonly [K in T]: AnyCommandHandler<(typeof commandContracts)[K]>;
};

export interface CommandProcessorOptions<T extends CommandType> {
  readonly consumer: string;
  readonly messaging: TransactionalMessaging;
  readonly handlers: CommandHandlers<T>;
  readonly logger: Logger;
}

/**
 * Turns handlers into a queue consumer: each command is applied once (inbox), in one transaction
 * with its reply (outbox). A redelivered command re-sends the original reply and changes nothing.
 * A handler that throws rolls everything back, and the broker retries the message after a delay.
 * A calling handler's command takes two transactions with its call between them.
 */
export function commandProcessor<T extends CommandType>(
  options: CommandProcessorOptions<T>,
): (message: ReceivedMessage) => Promise<void> {
  const { consumer, messaging, handlers, logger } = options;
  return async ({ envelope, headers }) => {
    const type = envelope.type;
    if (!isCommandType(type) || !Object.hasOwn(handlers, type)) {
      throw new InvalidMessageError(`${consumer} handles no command of type ${type}`, type);
    }
    const log = logger.child(messageContext(envelope));
    const handler = handlers[type as T] as unknown as AnyCommandHandler<CommandContract>;
    const step = headers[MessageHeader.SagaStep];
    const replyAddress = replyAddressOf(envelope, typeof step === 'string' ? step : null);
    const handleOnce = (
      conclude: (context: CommandContext) => Promise<Concluded<CommandContract> | CallFirst<unknown>>,
    ) =>
      messaging.processOnce(consumer, envelope, async (tx) => {
        const context = { manager: tx.manager, envelope, replyAddress, logger: log, send: tx.send };
        const concluded = await conclude(context);
        if ('call' in concluded) return 'unfinished';
        if (concluded.outcome !== 'later') sendReply(tx.send, replyAddress, concluded);
        log.debug('command handled', {
          outcome: concluded.outcome,
          ...(concluded.outcome === 'failure' ? concluded.failure : {}),
        });
      });

    if (typeof handler === 'function') {
      const outcome = await handleOnce((context) => handler(envelope.payload, context));
      if (outcome === 'duplicate') log.info('duplicate command: original reply re-sent');
      return;
    }
    let call: CallFirst<unknown> | undefined;
    const decided = await handleOnce(async (context) => {
      const decision = await handler.decide(envelope.payload, context);
      if ('call' in decision) call = decision;
      return decision;
    });
    if (decided === 'duplicate') log.info('duplicate command: original reply re-sent');
    if (decided !== 'unfinished' || !call) return;
    const { call: request } = call;
    const answer = await handler.call(request, log);
    await handleOnce((context) => handler.conclude(envelope.payload, request, answer, context));
  };
}

/** Where the reply to this command goes. */
export function replyAddressOf(envelope: MessageEnvelope, step: string | null): ReplyAddress {
  return {
    commandId: envelope.messageId,
    commandType: envelope.type as CommandType,
    sagaId: envelope.sagaId,
    correlationId: envelope.correlationId,
    step,
  };
}

/** Sends the reply to a command, in the transaction of send: when it is handled, or later. */
export function sendReply(
  send: (message: PendingMessage) => void,
  address: ReplyAddress,
  outcome: CommandOutcome<unknown>,
): void {
  send({
    exchange: Exchange.Replies,
    routingKey: replyRoutingKey(address.commandType),
    headers: address.step === null ? {} : { [MessageHeader.SagaStep]: address.step },
    envelope: newEnvelope({
      type: sagaReplyType,
      payload: replyPayload(address, outcome),
      sagaId: address.sagaId,
      correlationId: address.correlationId,
      causationId: address.commandId,
    }),
  });
}

function replyPayload(address: ReplyAddress, outcome: CommandOutcome<unknown>): SagaReply {
  const base = { commandId: address.commandId, commandType: address.commandType };
  if (outcome.outcome === 'failure') return { ...base, outcome: 'failure', failure: outcome.failure };
  const contract = commandContracts[address.commandType];
  // A result that breaks the contract is our bug: fail loudly here rather than confuse the saga.
  return { ...base, outcome: 'success', result: contract.result.parse(outcome.result) };
}
