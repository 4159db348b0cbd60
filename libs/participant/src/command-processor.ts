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

/** The command did what it was asked. */
export function succeed<R>(result: R): CommandOutcome<R> {
  return { outcome: 'success', result };
}

/** The command could not be done for a business reason; the reply tells the saga why. */
export function fail(code: FailureCode, message: string): CommandOutcome<never> {
  return { outcome: 'failure', failure: { code, message } };
}

/** What a handler may use: the transaction its effects must go into, and the command's envelope. */
export interface CommandContext {
  readonly manager: EntityManager;
  readonly envelope: MessageEnvelope;
  readonly logger: Logger;
  /** Sends a message (an event) in the handler's transaction, besides the reply. */
  send(message: PendingMessage): void;
}

export type CommandHandler<C extends CommandContract> = (
  payload: CommandPayload<C>,
  context: CommandContext,
) => Promise<CommandOutcome<CommandResult<C>>>;

/** One handler for each command type a worker serves. */
export type CommandHandlers<T extends CommandType> = {
  readonly [K in T]: CommandHandler<(typeof commandContracts)[K]>;
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
    const handler = handlers[type as T] as unknown as CommandHandler<CommandContract>;
    const outcome = await messaging.processOnce(consumer, envelope, async (tx) => {
      const result = await handler(envelope.payload, { manager: tx.manager, envelope, logger: log, send: tx.send });
      const payload = replyPayload(envelope, result);
      const step = headers[MessageHeader.SagaStep];
      tx.send({
        exchange: Exchange.Replies,
        routingKey: replyRoutingKey(type),
        headers: typeof step === 'string' ? { [MessageHeader.SagaStep]: step } : {},
        envelope: newEnvelope({
          type: sagaReplyType,
          payload,
          sagaId: envelope.sagaId,
          correlationId: envelope.correlationId,
          causationId: envelope.messageId,
        }),
      });
      log.debug('command handled', {
        outcome: result.outcome,
        ...(result.outcome === 'failure' ? result.failure : {}),
      });
    });
    if (outcome === 'duplicate') log.info('duplicate command: original reply re-sent');
  };
}

function replyPayload(envelope: MessageEnvelope, outcome: CommandOutcome<unknown>): SagaReply {
  const base = { commandId: envelope.messageId, commandType: envelope.type };
  if (outcome.outcome === 'failure') return { ...base, outcome: 'failure', failure: outcome.failure };
  const contract = commandContracts[envelope.type as CommandType];
  // A result that breaks the contract is our bug: fail loudly here rather than confuse the saga.
  return { ...base, outcome: 'success', result: contract.result.parse(outcome.result) };
}
