import {
  BrokerHeader,
  Exchange,
  FailureHeader,
  InvalidMessageError,
  MessageHeader,
  namespaced,
  parseMessage,
  retryQueueName,
  type MessageEnvelope,
  type QueueSpec,
} from '@saga/contracts';
import {
  contextFromHeaders,
  inSpan,
  markSpanFailed,
  messageContext,
  SpanKind,
  type Logger,
  type Metrics,
} from '@saga/observability';
import type { BrokerRetryPolicy } from '@saga/retry';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { ConfirmedPublisher } from './confirmed-publisher';
import { UnauthorizedSenderError } from './errors';
import { recoveryFor, type DeathReason } from './failure-recovery';
import {
  errorHeader,
  originalRoutingKey,
  republishedProperties,
  retriesSoFar,
  withoutBrokerHeaders,
} from './message-headers';

/** A validated message as a handler receives it. */
export interface ReceivedMessage {
  envelope: MessageEnvelope;
  /** The namespaced queue it came from. */
  queue: string;
  redelivered: boolean;
  /** 1 on the first delivery of this copy, counting up when a consumer died holding it and it came back. */
  deliveryCount: number;
  /** 1 on the first handler run, 2 on the first retry after the handler threw, and so on. */
  attempt: number;
  headers: Record<string, unknown>;
}

/**
 * Handles one message; resolving acks it, throwing InvalidMessageError dead-letters it at once, and any
 * other throw retries it after the retry policy's next delay, or dead-letters it once the retries are spent.
 */
export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

/** A queue being consumed, and the channel and consumer tag of its current consumer. */
export interface Subscription {
  readonly spec: QueueSpec;
  readonly queue: string;
  readonly handler: MessageHandler;
  /** The broker users whose messages the queue takes (their validated user_id); undefined: anyone's. */
  readonly senders?: ReadonlySet<string>;
  channel?: Channel;
  consumerTag?: string;
}

/** What delivering a message needs of the broker around it. */
export interface DeliveryContext {
  readonly namespace: string;
  readonly retryPolicy: BrokerRetryPolicy;
  readonly logger: Logger;
  readonly metrics?: Pick<Metrics, 'messagesConsumed' | 'handlerSeconds'>;
  /** The publishing channel as it is now (reopened if the broker closed it); throws when disconnected. */
  publisher(): Promise<ConfirmedPublisher>;
}

/**
 * Checks who sent one delivered message, parses it, runs the queue's handler on it and settles it: acked
 * when the handler succeeded, otherwise sent along its recovery chain (retry queue by retry queue, then
 * the .dlq). A message from a sender the queue does not take goes to the .dlq unread.
 */
export async function deliver(
  context: DeliveryContext,
  subscription: Subscription,
  channel: Channel,
  message: ConsumeMessage,
): Promise<void> {
  const headers = message.properties.headers ?? {};
  const type = String(message.properties.type ?? 'unknown');
  // The span of this handler run continues the trace the message carries (the sender's span).
  await inSpan(
    `${subscription.spec.name} process`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFromHeaders(headers),
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': subscription.spec.name,
        'messaging.message.id': String(message.properties.messageId ?? ''),
        'messaging.message.type': type,
      },
    },
    async (span) => {
      const failure = await handle(context, subscription, channel, message);
      if (failure !== undefined) markSpanFailed(span, failure);
    },
  );
}

// Settles the message whatever happens (acked, retried or dead-lettered); returns why it failed, if it did.
async function handle(
  context: DeliveryContext,
  subscription: Subscription,
  channel: Channel,
  message: ConsumeMessage,
): Promise<unknown> {
  const { queue } = subscription;
  const label = subscription.spec.name;
  const headers = message.properties.headers ?? {};
  const retries = retriesSoFar(headers);
  // RabbitMQ refuses a publish whose user_id is not its publisher's login, so this is who sent it.
  const sender = message.properties.userId as string | undefined;
  if (subscription.senders && (sender === undefined || !subscription.senders.has(sender))) {
    const error = new UnauthorizedSenderError(queue, sender);
    const logger = context.logger.child({ queue });
    await recover(context, { queue, label, channel, message, error, handlerRuns: 0, logger });
    return error;
  }
  let envelope: MessageEnvelope;
  try {
    envelope = parseMessage(message.content);
  } catch (error) {
    const logger = context.logger.child({ queue });
    await recover(context, { queue, label, channel, message, error, handlerRuns: retries, logger });
    return error;
  }
  const logger = context.logger.child({ queue, ...messageContext(envelope) });
  const deliveryCount = Number(headers[BrokerHeader.DeliveryCount] ?? 0) + 1;
  const attempt = retries + 1;
  const labels = { queue: label, type: envelope.type };
  const stopTimer = context.metrics?.handlerSeconds.startTimer(labels);
  try {
    await subscription.handler({
      envelope,
      queue,
      redelivered: message.fields.redelivered,
      deliveryCount,
      attempt,
      headers,
    });
  } catch (error) {
    stopTimer?.();
    await recover(context, { queue, label, channel, message, error, handlerRuns: attempt, logger, envelope });
    return error;
  }
  stopTimer?.();
  settle(context, { channel, message, outcome: 'ack', ...labels, logger });
  return undefined;
}

/** What recovery needs to know about a failed message. */
interface Failure {
  readonly queue: string;
  /** The queue's name without the namespace, as metrics label it. */
  readonly label: string;
  readonly channel: Channel;
  readonly message: ConsumeMessage;
  readonly error: unknown;
  /** Handler runs on this message so far, the failed one included (0 when it could not be parsed). */
  readonly handlerRuns: number;
  readonly logger: Logger;
  readonly envelope?: MessageEnvelope;
}

// Follows the recovery chain of failure-recovery.ts: retry queue by retry queue, then the .dlq.
async function recover(context: DeliveryContext, failure: Failure): Promise<void> {
  const recovery = recoveryFor(failure.error, failure.handlerRuns, context.retryPolicy);
  if (recovery.action === 'retry') await retry(context, failure, recovery);
  else await deadLetter(context, failure, recovery.reason);
}

// A copy waits in <queue>.retry.<attempt> until it expires back onto the queue. The original is acked
// only once the broker confirmed the copy: until then it stays on the queue, so nothing is lost.
async function retry(
  context: DeliveryContext,
  failure: Failure,
  { attempt, delayMs }: { attempt: number; delayMs: number },
): Promise<void> {
  const { queue, label, channel, message, error, logger } = failure;
  const labels = { queue: label, type: String(message.properties.type ?? 'unknown') };
  const retryQueue = retryQueueName(queue, attempt);
  logger.warn('message handler failed; retrying after a delay', {
    err: error,
    attempt,
    retries: context.retryPolicy.delaysMs.length,
    delayMs,
    retryQueue,
  });
  try {
    const publisher = await context.publisher();
    await publisher.publish('', retryQueue, message.content, {
      ...republishedProperties(message.properties),
      expiration: String(delayMs),
      headers: {
        ...withoutBrokerHeaders(message.properties.headers ?? {}),
        [FailureHeader.OriginalRoutingKey]: originalRoutingKey(message),
        [FailureHeader.RetryAttempt]: attempt,
        [FailureHeader.LastError]: errorHeader(error),
      },
    });
  } catch (publishError) {
    logger.error('could not schedule the retry; requeueing the message', { err: publishError, retryQueue });
    settle(context, { channel, message, outcome: 'requeue', ...labels, logger });
    return;
  }
  settle(context, { channel, message, outcome: 'retry', ...labels, logger });
}

// The message goes to the .dlq with why and how it failed, and is acked so the queue moves on.
async function deadLetter(context: DeliveryContext, failure: Failure, reason: DeathReason): Promise<void> {
  const { queue, label, channel, message, error, handlerRuns, logger, envelope } = failure;
  const headers = message.properties.headers ?? {};
  const type = String(
    message.properties.type ??
      envelope?.type ??
      (error instanceof InvalidMessageError ? error.messageType : undefined) ??
      'unknown',
  );
  const sagaId = headers[MessageHeader.SagaId] ?? envelope?.sagaId ?? undefined;
  logger.error('dead-lettering the message', {
    reason,
    error: errorHeader(error),
    attempts: handlerRuns,
    messageType: type,
    routingKey: originalRoutingKey(message),
  });
  try {
    const publisher = await context.publisher();
    await publisher.publish(namespaced(context.namespace, Exchange.DeadLetter), queue, message.content, {
      ...republishedProperties(message.properties),
      mandatory: true,
      headers: {
        ...withoutBrokerHeaders(headers),
        ...(sagaId === undefined ? {} : { [MessageHeader.SagaId]: sagaId }),
        [FailureHeader.DeathReason]: reason,
        [FailureHeader.ErrorMessage]: errorHeader(error),
        [FailureHeader.Attempts]: handlerRuns,
        [FailureHeader.OriginalQueue]: queue,
        [FailureHeader.OriginalRoutingKey]: originalRoutingKey(message),
        [FailureHeader.FailedAt]: new Date().toISOString(),
        [FailureHeader.MessageType]: type,
        ...(message.properties.userId === undefined
          ? {}
          : { [FailureHeader.OriginalSender]: String(message.properties.userId) }),
      },
    });
  } catch (publishError) {
    logger.error('could not dead-letter the message; requeueing it', { err: publishError });
    settle(context, { channel, message, outcome: 'requeue', queue: label, type, logger });
    return;
  }
  settle(context, { channel, message, outcome: 'dead_letter', queue: label, type, logger });
}

/** How a delivered message ends on its channel, and the labels it is counted under. */
interface Settlement {
  readonly channel: Channel;
  readonly message: ConsumeMessage;
  readonly outcome: 'ack' | 'retry' | 'requeue' | 'dead_letter';
  /** The queue's name without the namespace. */
  readonly queue: string;
  readonly type: string;
  readonly logger: Logger;
}

function settle(context: DeliveryContext, { channel, message, outcome, queue, type, logger }: Settlement): void {
  try {
    if (outcome === 'requeue') channel.nack(message, false, true);
    else channel.ack(message);
    context.metrics?.messagesConsumed.inc({ queue, type, outcome });
  } catch (error) {
    // The channel died under the handler: the broker redelivers the message, and inboxes absorb the repeat.
    logger.warn('could not settle the message; the broker will redeliver it', {
      outcome,
      reason: (error as Error).message,
    });
  }
}
