import {
  deadLetterQueueName,
  Exchange,
  InvalidMessageError,
  BrokerHeader,
  FailureHeader,
  MessageHeader,
  type MessageEnvelope,
  namespaced,
  parseMessage,
  type QueueSpec,
  retryQueueName,
} from '@saga/contracts';
import { type Logger, messageContext, type Metrics } from '@saga/observability';
import amqplib, {
  type Channel,
  type ChannelModel,
  type ConsumeMessage,
  type GetMessage,
  type MessageProperties,
  type Options,
  type RecoveringChannelModel,
} from 'amqplib';
import { ConfirmedPublisher } from './confirmed-publisher';
import { type DeadLetter, type DeadLetterFilter, describeDeadLetter, matchesFilter } from './dead-letters';
import { BrokerUnavailableError } from './errors';
import { type DeathReason, recoveryFor } from './failure-recovery';
import { errorHeader, replayHeaders, retriesSoFar, withoutBrokerHeaders } from './message-headers';
import { assertBrokerRetryPolicy, defaultBrokerRetryPolicy, type BrokerRetryPolicy } from '@saga/retry';
import { traceparentFor } from './traceparent';
import { declareExchanges, declareQueue, type QueueFailureOptions } from './topology';

/** How to reach the broker and how this process uses it. */
export interface BrokerOptions {
  url: string;
  /** Prefix of every exchange and queue name, so parallel runs never share them. */
  namespace: string;
  logger: Logger;
  /** Shown in the broker's connection list and sent as appId on every published message. */
  connectionName: string;
  /** Unacknowledged messages per consumer, hence handlers running at once per queue; default 20. */
  prefetch?: number;
  /**
   * Redeliveries of a message whose consumer died holding it (a crash, a lost connection) before the
   * queue dead-letters it with RabbitMQ's reason `delivery_limit`; default 5. A handler that throws is
   * retried by the retry policy instead.
   */
  deliveryLimit?: number;
  /** Delays before each retry of a message whose handler threw; default defaultBrokerRetryPolicy. */
  retry?: BrokerRetryPolicy;
  /** Counters and timings to record publishes and consumed messages in. */
  metrics?: Pick<Metrics, 'messagesConsumed' | 'messagesPublished' | 'handlerSeconds'>;
}

/** A message to publish: the envelope goes out as JSON on the namespaced exchange. */
export interface OutgoingMessage {
  exchange: Exchange;
  routingKey: string;
  envelope: MessageEnvelope;
  headers?: Record<string, string>;
}

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

interface Subscription {
  readonly spec: QueueSpec;
  readonly queue: string;
  readonly handler: MessageHandler;
  channel?: Channel;
  consumerTag?: string;
}

/** How many dead letters deadLetters() lists when not told. */
const defaultDeadLetterLimit = 100;

/**
 * One recovering connection to RabbitMQ: confirmed publishing and consuming with manual acks. After every
 * reconnect it re-declares the topology and restarts every consumer.
 */
export class Broker {
  readonly namespace: string;
  private readonly prefetch: number;
  private readonly failureOptions: QueueFailureOptions;
  private readonly retryPolicy: BrokerRetryPolicy;
  private readonly logger: Logger;
  private connection: RecoveringChannelModel | undefined;
  private model: ChannelModel | undefined;
  private publisher: ConfirmedPublisher | undefined;
  private reopeningPublisher: Promise<ConfirmedPublisher> | undefined;
  private readonly declared = new Map<string, QueueSpec>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  private constructor(private readonly options: BrokerOptions) {
    this.namespace = options.namespace;
    this.prefetch = options.prefetch ?? 20;
    this.retryPolicy = options.retry ?? defaultBrokerRetryPolicy;
    assertBrokerRetryPolicy(this.retryPolicy);
    this.failureOptions = { deliveryLimit: options.deliveryLimit ?? 5, retries: this.retryPolicy.delaysMs.length };
    this.logger = options.logger.child({ component: 'broker', connectionName: options.connectionName });
  }

  /** Connects (retrying a few times before giving up) and declares every exchange of the namespace. */
  static async connect(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    const connection = await amqplib.connect(options.url, {
      noDelay: true,
      clientProperties: { connection_name: options.connectionName },
      recovery: {
        initialMaxRetries: 5,
        maxRetries: Infinity,
        maxDelay: 5000,
        waitForConnect: false,
        setup: (model: ChannelModel) => broker.setup(model),
      },
    });
    broker.watch(connection);
    try {
      await connection.waitForConnect();
    } catch (error) {
      await connection.close();
      throw new BrokerUnavailableError(
        `cannot connect to RabbitMQ at ${redact(options.url)}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return broker;
  }

  /** Whether a connection is up with its topology and consumers in place. */
  isConnected(): boolean {
    return this.model !== undefined && !this.closing;
  }

  /**
   * Declares queues (with their retry queues, `.dlq` and bindings) without consuming them, so publishes to them are
   * routable before their consumer starts; they are re-declared after every reconnect.
   */
  async declare(queues: readonly QueueSpec[]): Promise<void> {
    for (const spec of queues) this.declared.set(spec.name, spec);
    if (!this.model) return;
    const channel = await this.model.createChannel();
    try {
      for (const spec of queues) await declareQueue(channel, this.namespace, spec, this.failureOptions);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * Publishes an envelope and resolves once the broker confirmed it; rejects when nacked, disconnected
   * or, for a command or a reply, unroutable. An event is a fact for whoever listens: with no listener
   * it is simply dropped.
   */
  async publish({ exchange, routingKey, envelope, headers }: OutgoingMessage): Promise<void> {
    const publisher = await this.livePublisher();
    const exchangeName = namespaced(this.namespace, exchange);
    await publisher.publish(exchangeName, routingKey, Buffer.from(JSON.stringify(envelope)), {
      mandatory: exchange !== Exchange.Events,
      persistent: true,
      contentType: 'application/json',
      messageId: envelope.messageId,
      correlationId: envelope.correlationId,
      type: envelope.type,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
      appId: this.options.connectionName,
      headers: {
        ...(envelope.sagaId === null ? {} : { [MessageHeader.SagaId]: envelope.sagaId }),
        traceparent: traceparentFor(envelope.correlationId, envelope.messageId),
        ...headers,
      },
    });
    this.options.metrics?.messagesPublished.inc({ exchange: exchangeName, type: envelope.type });
  }

  /**
   * Declares the queue and consumes it with the handler, now and after every reconnect; when disconnected
   * it only registers the handler and recovery starts the consumer.
   */
  async consume(spec: QueueSpec, handler: MessageHandler): Promise<void> {
    const queue = namespaced(this.namespace, spec.name);
    if (this.subscriptions.has(queue)) throw new Error(`already consuming ${queue}`);
    const subscription: Subscription = { spec, queue, handler };
    this.subscriptions.set(queue, subscription);
    if (!this.model) return;
    try {
      await this.startConsumer(this.model, subscription);
    } catch (error) {
      this.subscriptions.delete(queue);
      throw error;
    }
  }

  /** Cancels every consumer and waits until the handlers already running have finished and acked. */
  async stopConsuming(): Promise<void> {
    const subscriptions = [...this.subscriptions.values()];
    this.subscriptions.clear();
    await Promise.all(
      subscriptions.map(async ({ channel, consumerTag }) => {
        if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
      }),
    );
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(subscriptions.map(({ channel }) => channel?.close().catch(() => undefined)));
  }

  /**
   * Lists the first `limit` (default 100) messages on the queue's `.dlq`, oldest first, and leaves them
   * all there in their order.
   */
  async deadLetters(
    spec: QueueSpec,
    { limit = defaultDeadLetterLimit }: { limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const deadLetterQueue = deadLetterQueueName(namespaced(this.namespace, spec.name));
    return this.withDeadLetterChannel(spec, async (channel, held) => {
      for (;;) {
        const message = await channel.get(deadLetterQueue, { noAck: false });
        if (message === false) break;
        held.push(message);
      }
      return held.slice(0, limit).map((message) => describeDeadLetter(message.content, message.properties));
    });
  }

  /**
   * Moves the dead letters the filter selects from the queue's `.dlq` back onto the queue itself (not
   * through an exchange, so no other queue gets a copy), as they first arrived: without the retry and
   * dead-letter headers, with `x-replayed-at`. Each is acked on the `.dlq` only after the broker confirmed
   * its copy; the others stay on the `.dlq` in their order. Returns how many were replayed.
   */
  async replayDeadLetters(spec: QueueSpec, filter: DeadLetterFilter = {}): Promise<number> {
    const queue = namespaced(this.namespace, spec.name);
    const deadLetterQueue = deadLetterQueueName(queue);
    const publisher = await this.livePublisher();
    const replayedAt = new Date();
    const replayed = await this.withDeadLetterChannel(spec, async (channel, held) => {
      let count = 0;
      for (;;) {
        const message = await channel.get(deadLetterQueue, { noAck: false });
        if (message === false) return count;
        if (!matchesFilter(describeDeadLetter(message.content, message.properties), filter)) {
          held.push(message);
          continue;
        }
        try {
          await publisher.publish('', queue, message.content, {
            ...republishedProperties(message.properties),
            headers: replayHeaders(message.properties.headers ?? {}, replayedAt),
          });
        } catch (error) {
          held.push(message);
          throw error;
        }
        channel.ack(message);
        count += 1;
      }
    });
    this.logger.info('replayed dead letters', { queue, filter, replayed });
    return replayed;
  }

  // Messages taken with basic.get are held unacked and whatever is still held at the end is requeued in
  // the order it was taken. Each call takes the whole .dlq: RabbitMQ 3.10 puts a requeued quorum message
  // behind the ready ones (other versions in front), so only an emptied queue gets its order back.
  // Holding them unacked means a crash here requeues them; nothing is lost.
  private async withDeadLetterChannel<T>(
    spec: QueueSpec,
    use: (channel: Channel, held: GetMessage[]) => Promise<T>,
  ): Promise<T> {
    const model = this.model;
    if (!model) throw new BrokerUnavailableError();
    const channel = await model.createChannel();
    channel.on('error', (error: Error) =>
      this.logger.error('dead-letter channel closed by broker', { queue: spec.name, reason: error.message }),
    );
    const held: GetMessage[] = [];
    try {
      await declareQueue(channel, this.namespace, spec, this.failureOptions);
      return await use(channel, held);
    } finally {
      try {
        for (const message of held) channel.nack(message, false, true);
      } catch {
        // The channel is gone; RabbitMQ requeues whatever it held.
      }
      await channel.close().catch(() => undefined);
    }
  }

  /** Stops consuming, lets running handlers finish, then closes the connection for good. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.stopConsuming();
    this.model = undefined;
    this.publisher = undefined;
    await this.connection?.close();
    this.logger.info('broker connection closed');
  }

  private watch(connection: RecoveringChannelModel): void {
    this.connection = connection;
    connection.on('connect', () => this.logger.info('connected to broker', { url: redact(this.options.url) }));
    connection.on('disconnect', (error: Error) => {
      this.model = undefined;
      this.publisher = undefined;
      this.logger.warn('disconnected from broker; reconnecting', { reason: error.message });
    });
    connection.on('connect-failed', (error: Error) =>
      this.logger.warn('broker connection attempt failed', { reason: error.message }),
    );
    connection.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) =>
      this.logger.info('broker reconnect scheduled', { attempt, delayMs: delay }),
    );
    connection.on('reconnect-failed', (error: Error) =>
      this.logger.error('gave up connecting to broker', { reason: error.message }),
    );
    connection.on('blocked', (reason: string) => this.logger.warn('broker blocked publishing', { reason }));
    connection.on('unblocked', () => this.logger.info('broker unblocked publishing'));
    connection.on('error', (error: Error) => this.logger.error('broker connection error', { reason: error.message }));
  }

  // Runs after every (re)connect, before the connection counts as up: old channels died with the old socket.
  private async setup(model: ChannelModel): Promise<void> {
    const publisher = await this.openPublisher(model);
    const channel = await model.createChannel();
    await declareExchanges(channel, this.namespace);
    for (const spec of this.declared.values()) await declareQueue(channel, this.namespace, spec, this.failureOptions);
    await channel.close();
    // Map iteration also visits subscriptions that consume() adds while this loop awaits.
    for (const subscription of this.subscriptions.values()) await this.startConsumer(model, subscription);
    this.publisher = publisher;
    this.model = model;
  }

  private async openPublisher(model: ChannelModel): Promise<ConfirmedPublisher> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (error: Error) =>
      this.logger.error('publishing channel closed by broker', { reason: error.message }),
    );
    return new ConfirmedPublisher(channel);
  }

  // A channel error (say, publishing to a deleted exchange) closes only the publishing channel: reopen it.
  private async livePublisher(): Promise<ConfirmedPublisher> {
    const model = this.model;
    if (!model || !this.publisher) throw new BrokerUnavailableError();
    if (this.publisher.isOpen()) return this.publisher;
    this.reopeningPublisher ??= this.openPublisher(model).finally(() => {
      this.reopeningPublisher = undefined;
    });
    try {
      const publisher = await this.reopeningPublisher;
      if (this.model === model) this.publisher = publisher;
      return publisher;
    } catch (error) {
      throw new BrokerUnavailableError('cannot reopen the publishing channel', { cause: error });
    }
  }

  private async startConsumer(model: ChannelModel, subscription: Subscription): Promise<void> {
    const channel = await model.createChannel();
    subscription.channel = channel;
    subscription.consumerTag = undefined;
    channel.on('error', (error: Error) => this.onConsumerChannelError(model, subscription, channel, error));
    await declareQueue(channel, this.namespace, subscription.spec, this.failureOptions);
    // Per consumer, never global: a global prefetch on a quorum queue consumer closes the connection.
    await channel.prefetch(this.prefetch);
    const { consumerTag } = await channel.consume(
      subscription.queue,
      (message) => {
        if (message === null) {
          this.logger.warn('broker cancelled the consumer (queue deleted?)', { queue: subscription.queue });
          return;
        }
        this.track(this.deliver(subscription, channel, message));
      },
      { noAck: false },
    );
    subscription.consumerTag = consumerTag;
  }

  // The broker closed this channel alone (amqplib emits 'error' only then, never when the connection drops):
  // recycle the connection so setup restores every consumer through the one recovery path.
  private onConsumerChannelError(
    model: ChannelModel,
    subscription: Subscription,
    channel: Channel,
    error: Error,
  ): void {
    this.logger.error('consumer channel closed by broker', { queue: subscription.queue, reason: error.message });
    const stillWanted = this.subscriptions.get(subscription.queue) === subscription && subscription.channel === channel;
    if (!stillWanted || this.closing || this.model !== model) return;
    this.logger.warn('recycling the broker connection to restore the consumer', { queue: subscription.queue });
    model.close().catch(() => undefined);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async deliver(subscription: Subscription, channel: Channel, message: ConsumeMessage): Promise<void> {
    const { queue } = subscription;
    const headers = message.properties.headers ?? {};
    const retries = retriesSoFar(headers);
    let envelope: MessageEnvelope;
    try {
      envelope = parseMessage(message.content);
    } catch (error) {
      await this.recover({
        queue,
        channel,
        message,
        error,
        handlerRuns: retries,
        logger: this.logger.child({ queue }),
      });
      return;
    }
    const logger = this.logger.child({ queue, ...messageContext(envelope) });
    const deliveryCount = Number(headers[BrokerHeader.DeliveryCount] ?? 0) + 1;
    const attempt = retries + 1;
    const labels = { queue, type: envelope.type };
    const stopTimer = this.options.metrics?.handlerSeconds.startTimer(labels);
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
      await this.recover({ queue, channel, message, error, handlerRuns: attempt, logger, envelope });
      return;
    }
    stopTimer?.();
    this.settle(channel, message, 'ack', { ...labels, logger });
  }

  // Follows the recovery chain of failure-recovery.ts: retry queue by retry queue, then the .dlq.
  private async recover(failure: Failure): Promise<void> {
    const recovery = recoveryFor(failure.error, failure.handlerRuns, this.retryPolicy);
    if (recovery.action === 'retry') await this.retry(failure, recovery.attempt, recovery.delayMs);
    else await this.deadLetter(failure, recovery.reason);
  }

  // A copy waits in <queue>.retry.<attempt> until it expires back onto the queue. The original is acked
  // only once the broker confirmed the copy: until then it stays on the queue, so nothing is lost.
  private async retry(failure: Failure, attempt: number, delayMs: number): Promise<void> {
    const { queue, channel, message, error, logger } = failure;
    const labels = { queue, type: String(message.properties.type ?? 'unknown') };
    const retryQueue = retryQueueName(queue, attempt);
    logger.warn('message handler failed; retrying after a delay', {
      err: error,
      attempt,
      retries: this.retryPolicy.delaysMs.length,
      delayMs,
      retryQueue,
    });
    try {
      const publisher = await this.livePublisher();
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
      this.settle(channel, message, 'requeue', { ...labels, logger });
      return;
    }
    this.settle(channel, message, 'retry', { ...labels, logger });
  }

  // The message goes to the .dlq with why and how it failed, and is acked so the queue moves on.
  private async deadLetter(failure: Failure, reason: DeathReason): Promise<void> {
    const { queue, channel, message, error, handlerRuns, logger, envelope } = failure;
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
      const publisher = await this.livePublisher();
      await publisher.publish(namespaced(this.namespace, Exchange.DeadLetter), queue, message.content, {
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
        },
      });
    } catch (publishError) {
      logger.error('could not dead-letter the message; requeueing it', { err: publishError });
      this.settle(channel, message, 'requeue', { queue, type, logger });
      return;
    }
    this.settle(channel, message, 'dead_letter', { queue, type, logger });
  }

  private settle(
    channel: Channel,
    message: ConsumeMessage,
    outcome: 'ack' | 'retry' | 'requeue' | 'dead_letter',
    { logger, ...labels }: { queue: string; type: string; logger: Logger },
  ): void {
    try {
      if (outcome === 'requeue') channel.nack(message, false, true);
      else channel.ack(message);
      this.options.metrics?.messagesConsumed.inc({ ...labels, outcome });
    } catch (error) {
      // The channel died under the handler: the broker redelivers the message, and inboxes absorb the repeat.
      logger.warn('could not settle the message; the broker will redeliver it', {
        outcome,
        reason: (error as Error).message,
      });
    }
  }
}

/** What recover() needs to know about a failed message. */
interface Failure {
  readonly queue: string;
  readonly channel: Channel;
  readonly message: ConsumeMessage;
  readonly error: unknown;
  /** Handler runs on this message so far, the failed one included (0 when it could not be parsed). */
  readonly handlerRuns: number;
  readonly logger: Logger;
  readonly envelope?: MessageEnvelope;
}

// A copy we publish keeps the original's properties, except userId (checked against our login), an
// expiration (which would let it vanish) and the delivery mode (always persistent).
function republishedProperties(properties: MessageProperties): Options.Publish {
  const {
    headers: _headers,
    userId: _userId,
    expiration: _expiration,
    deliveryMode: _deliveryMode,
    ...rest
  } = properties;
  return { ...withoutUndefined(rest), persistent: true, mandatory: true };
}

// A retry or a replay reaches the queue by its name; the key it was first published with rides in a header.
function originalRoutingKey(message: ConsumeMessage): string {
  const header = message.properties.headers?.[FailureHeader.OriginalRoutingKey];
  return typeof header === 'string' && header !== '' ? header : message.fields.routingKey;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
