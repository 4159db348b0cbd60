import {
  deadLetterQueueName,
  Exchange,
  MessageHeader,
  namespaced,
  type MessageEnvelope,
  type QueueSpec,
} from '@saga/contracts';
import { traceHeaders, type Logger, type Metrics } from '@saga/observability';
import { assertBrokerRetryPolicy, defaultBrokerRetryPolicy, type BrokerRetryPolicy } from '@saga/retry';
import amqplib, { type Channel, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import { ConfirmedPublisher } from './confirmed-publisher';
import {
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  type DeadLetterContext,
  type ReplayGuard,
  type ReplayReport,
} from './dead-letter-admin';
import type { DeadLetterFilter, DeadLetterMessage } from './dead-letters';
import { BrokerUnavailableError } from './errors';
import { deliver, type DeliveryContext, type MessageHandler, type Subscription } from './message-delivery';
import {
  defaultDeliveryLimit,
  declareExchanges,
  declareQueue,
  verifyExchanges,
  verifyQueue,
  type QueueFailureOptions,
  type TopologyMode,
} from '@saga/provisioning';

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
  /**
   * 'declare' (the default) declares every exchange and each queue used; 'provisioned' declares nothing
   * and checks that the set-up topology has what this process uses, for a login without configure rights.
   */
  topology?: TopologyMode;
  /**
   * The broker users whose messages a queue takes; a message any other user published (by its validated
   * user_id) is dead-lettered as unauthorized_sender, unread. Unset, or undefined for a queue: anyone's.
   */
  senders?: (queue: QueueSpec) => ReadonlySet<string> | undefined;
}

/** A message to publish: the envelope goes out as JSON on the namespaced exchange. */
export interface OutgoingMessage {
  exchange: Exchange;
  routingKey: string;
  envelope: MessageEnvelope;
  headers?: Record<string, string>;
}

/** How many dead letters deadLetters() lists when not told. */
const defaultDeadLetterLimit = 100;

/**
 * One recovering connection to RabbitMQ: confirmed publishing and consuming with manual acks. After every
 * reconnect it re-declares the topology and restarts every consumer. What becomes of each delivered
 * message is message-delivery.ts; reading and replaying dead letters is dead-letter-admin.ts.
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
  private readonly deliveryContext: DeliveryContext;
  private readonly deadLetterContext: DeadLetterContext;
  // Declaring, or checking what setup declared: chosen once by the topology mode.
  private readonly prepareExchanges: typeof declareExchanges;
  private readonly prepareQueue: typeof declareQueue;
  private readonly login: string;

  private constructor(private readonly options: BrokerOptions) {
    this.namespace = options.namespace;
    this.prefetch = options.prefetch ?? 20;
    this.retryPolicy = options.retry ?? defaultBrokerRetryPolicy;
    assertBrokerRetryPolicy(this.retryPolicy);
    this.failureOptions = {
      deliveryLimit: options.deliveryLimit ?? defaultDeliveryLimit,
      retries: this.retryPolicy.delaysMs.length,
    };
    this.logger = options.logger.child({ component: 'broker', connectionName: options.connectionName });
    const provisioned = options.topology === 'provisioned';
    this.prepareExchanges = provisioned ? verifyExchanges : declareExchanges;
    this.prepareQueue = provisioned ? verifyQueue : declareQueue;
    this.login = loginOf(options.url);
    const publisher = () => this.livePublisher();
    this.deliveryContext = {
      namespace: this.namespace,
      retryPolicy: this.retryPolicy,
      logger: this.logger,
      metrics: options.metrics,
      publisher,
    };
    this.deadLetterContext = {
      namespace: this.namespace,
      logger: this.logger,
      model: () => this.model,
      publisher,
      prepareQueue: (channel, spec) => this.prepareQueue(channel, this.namespace, spec, this.failureOptions),
    };
  }

  /** Connects (retrying a few times before giving up) and declares (or checks) every exchange of the namespace. */
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
   * routable before their consumer starts; they are re-declared after every reconnect. With a provisioned
   * topology it checks that they exist instead.
   */
  async declare(queues: readonly QueueSpec[]): Promise<void> {
    for (const spec of queues) this.declared.set(spec.name, spec);
    if (this.model) await this.prepareQueues(this.model, queues);
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
        // The active trace unless the message carries its own (an outbox row keeps its writer's).
        ...traceHeaders(),
        ...headers,
      },
    });
    this.options.metrics?.messagesPublished.inc({ exchange, type: envelope.type });
  }

  /**
   * Declares the queue and consumes it with the handler, now and after every reconnect; when disconnected
   * it only registers the handler and recovery starts the consumer.
   */
  async consume(spec: QueueSpec, handler: MessageHandler): Promise<void> {
    const queue = namespaced(this.namespace, spec.name);
    if (this.subscriptions.has(queue)) throw new Error(`already consuming ${queue}`);
    const subscription: Subscription = { spec, queue, handler, senders: this.options.senders?.(spec) };
    this.subscriptions.set(queue, subscription);
    if (!this.model) return;
    try {
      await this.prepareQueues(this.model, [subscription.spec]);
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
   * Lists the first `limit` (default 100) messages on the queue's `.dlq` that the filter selects,
   * oldest first, with headers and bodies, and leaves them all there in their order.
   */
  deadLetters(
    spec: QueueSpec,
    { filter, limit = defaultDeadLetterLimit }: { filter?: DeadLetterFilter; limit?: number } = {},
  ): Promise<DeadLetterMessage[]> {
    return listDeadLetters(this.deadLetterContext, spec, { filter, limit });
  }

  /** Puts the dead letters the filter selects, and the guard admits, back onto their queue (see dead-letter-admin.ts). */
  replayDeadLetters(
    spec: QueueSpec,
    options: { filter?: DeadLetterFilter; guard?: ReplayGuard } = {},
  ): Promise<ReplayReport> {
    return replayDeadLetters(this.deadLetterContext, spec, options);
  }

  /** Deletes the dead letters the filter selects from the queue's `.dlq`, and returns them. */
  purgeDeadLetters(spec: QueueSpec, filter: DeadLetterFilter = {}): Promise<DeadLetterMessage[]> {
    return purgeDeadLetters(this.deadLetterContext, spec, filter);
  }

  /**
   * How many messages wait on the `.dlq` of each queue this broker consumes, by the queue's name without
   * the namespace; for the metrics' gauge. Rejects while disconnected.
   */
  async deadLetterDepths(): Promise<{ queue: string; depth: number }[]> {
    const model = this.model;
    if (!model) throw new BrokerUnavailableError();
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    try {
      const depths: { queue: string; depth: number }[] = [];
      for (const { spec, queue } of this.subscriptions.values()) {
        const { messageCount } = await channel.checkQueue(deadLetterQueueName(queue));
        depths.push({ queue: spec.name, depth: messageCount });
      }
      return depths;
    } finally {
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
    const prepared = new Set([...this.subscriptions.values()].map(({ spec }) => spec));
    await this.prepareQueues(model, [...this.declared.values(), ...prepared], { exchanges: true });
    // Map iteration also visits subscriptions that consume() adds while this loop awaits; their queues
    // were not among those prepared above.
    for (const subscription of this.subscriptions.values()) {
      if (!prepared.has(subscription.spec)) await this.prepareQueues(model, [subscription.spec]);
      await this.startConsumer(model, subscription);
    }
    this.publisher = publisher;
    this.model = model;
  }

  // On a channel of its own: a check that fails closes the channel it ran on.
  private async prepareQueues(
    model: ChannelModel,
    queues: readonly QueueSpec[],
    { exchanges = false }: { exchanges?: boolean } = {},
  ): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    try {
      if (exchanges) await this.prepareExchanges(channel, this.namespace);
      for (const spec of queues) await this.prepareQueue(channel, this.namespace, spec, this.failureOptions);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private async openPublisher(model: ChannelModel): Promise<ConfirmedPublisher> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (error: Error) =>
      this.logger.error('publishing channel closed by broker', { reason: error.message }),
    );
    return new ConfirmedPublisher(channel, this.login);
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

  // Its queue is prepared already: by setup, or by consume() for one added while connected.
  private async startConsumer(model: ChannelModel, subscription: Subscription): Promise<void> {
    const channel = await model.createChannel();
    subscription.channel = channel;
    subscription.consumerTag = undefined;
    channel.on('error', (error: Error) => this.onConsumerChannelError(model, subscription, channel, error));
    // Per consumer, never global: a global prefetch on a quorum queue consumer closes the connection.
    await channel.prefetch(this.prefetch);
    const { consumerTag } = await channel.consume(
      subscription.queue,
      (message) => {
        if (message === null) {
          this.logger.warn('broker cancelled the consumer (queue deleted?)', { queue: subscription.queue });
          return;
        }
        this.track(deliver(this.deliveryContext, subscription, channel, message));
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
}

/** The user a URL logs in as; amqplib's default is guest. */
function loginOf(url: string): string {
  const { username } = new URL(url);
  return username === '' ? 'guest' : decodeURIComponent(username);
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
