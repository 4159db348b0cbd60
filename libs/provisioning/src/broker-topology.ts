import {
  deadLetterQueueName,
  Exchange,
  exchangeTypes,
  namespaced,
  Queues,
  type QueueSpec,
  retryQueueName,
} from '@saga/contracts';
import type { Channel } from 'amqplib';
import { TopologyMissingError } from './topology-missing-error';

/** An exchange as the broker holds it: durable, never auto-deleted, no arguments. */
export interface ExchangeDeclaration {
  readonly name: string;
  readonly type: 'topic' | 'direct';
}

/** A durable queue and the arguments it is declared with (its type, limits and dead-letter routing). */
export interface QueueDeclaration {
  readonly name: string;
  readonly arguments: Readonly<Record<string, string | number>>;
}

/** A queue's binding to an exchange under a routing key or pattern. */
export interface BindingDeclaration {
  readonly exchange: string;
  readonly queue: string;
  readonly routingKey: string;
}

/** Everything a namespace needs on the broker, as data: what setup declares and definitions.json holds. */
export interface BrokerTopology {
  readonly exchanges: readonly ExchangeDeclaration[];
  readonly queues: readonly QueueDeclaration[];
  readonly bindings: readonly BindingDeclaration[];
}

/** How a work queue's failures are held: its delivery limit and the number of retry queues beside it. */
export interface QueueFailureOptions {
  /** Redeliveries (a consumer that died holding the message) before RabbitMQ dead-letters it. */
  readonly deliveryLimit: number;
  /** One `<queue>.retry.<n>` queue per retry, n = 1..retries. */
  readonly retries: number;
}

/** The delivery limit of every work queue unless a service says otherwise. */
export const defaultDeliveryLimit = 5;

// Quorum dead-lettering is at-most-once unless the source queue asks for at-least-once, which RabbitMQ
// honours only together with reject-publish overflow (3.10; feature flag stream_queue).
const atLeastOnceDeadLettering = {
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

/** Every exchange of the system under the namespace. */
export function exchangeTopology(namespace: string): ExchangeDeclaration[] {
  return Object.values(Exchange).map((exchange) => ({
    name: namespaced(namespace, exchange),
    type: exchangeTypes[exchange],
  }));
}

/**
 * A work queue as a quorum queue with its delivery limit and dead-letter routing, its `.dlq`, its retry
 * queues and its bindings. The `.dlq`'s binding comes first, so nothing reaches the work queue before
 * what it dead-letters has somewhere to go.
 *
 * A retry queue holds a message until its per-message expiration, then RabbitMQ dead-letters it through
 * the default exchange back onto the work queue. The `.dlq` has no delivery limit and no dead-letter
 * exchange, so reading a dead letter and putting it back can never lose it.
 */
export function queueTopology(
  namespace: string,
  spec: QueueSpec,
  { deliveryLimit, retries }: QueueFailureOptions,
): Pick<BrokerTopology, 'queues' | 'bindings'> {
  const queue = namespaced(namespace, spec.name);
  const deadLetterExchange = namespaced(namespace, Exchange.DeadLetter);
  const deadLetterQueue = deadLetterQueueName(queue);
  const retryQueues = Array.from({ length: retries }, (_, index) => ({
    name: retryQueueName(queue, index + 1),
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': queue,
      ...atLeastOnceDeadLettering,
    },
  }));
  return {
    queues: [
      {
        name: queue,
        arguments: {
          'x-queue-type': 'quorum',
          'x-delivery-limit': deliveryLimit,
          'x-dead-letter-exchange': deadLetterExchange,
          'x-dead-letter-routing-key': queue,
          ...atLeastOnceDeadLettering,
        },
      },
      { name: deadLetterQueue, arguments: { 'x-queue-type': 'quorum' } },
      ...retryQueues,
    ],
    bindings: [
      { exchange: deadLetterExchange, queue: deadLetterQueue, routingKey: queue },
      ...spec.bindings.map((binding) => ({
        exchange: namespaced(namespace, binding.exchange),
        queue,
        routingKey: binding.pattern,
      })),
    ],
  };
}

/**
 * The system's topology in a namespace, as setup declares it and definitions.json holds it: every exchange,
 * and every work queue of `Queues` with its `.dlq`, retry queues and bindings.
 */
export function systemTopology(namespace: string, failureOptions: QueueFailureOptions): BrokerTopology {
  const perQueue = Object.values(Queues).map((spec) => queueTopology(namespace, spec, failureOptions));
  return {
    exchanges: exchangeTopology(namespace),
    queues: perQueue.flatMap((topology) => topology.queues),
    bindings: perQueue.flatMap((topology) => topology.bindings),
  };
}

/** Declares a topology, or part of one: exchanges, then queues, then bindings (all durable; idempotent). */
export async function declareTopology(channel: Channel, topology: Partial<BrokerTopology>): Promise<void> {
  for (const { name, type } of topology.exchanges ?? []) await channel.assertExchange(name, type, { durable: true });
  for (const queue of topology.queues ?? []) {
    await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
  }
  for (const { queue, exchange, routingKey } of topology.bindings ?? []) {
    await channel.bindQueue(queue, exchange, routingKey);
  }
}

/** Declares every exchange of the system under the namespace (durable; idempotent). */
export async function declareExchanges(channel: Channel, namespace: string): Promise<void> {
  await declareTopology(channel, { exchanges: exchangeTopology(namespace) });
}

/**
 * Checks that every exchange of the namespace exists, without declaring anything (a passive declare
 * needs no configure permission). A missing one closes the channel; the error names it.
 */
export async function verifyExchanges(channel: Channel, namespace: string): Promise<void> {
  for (const { name } of exchangeTopology(namespace)) {
    await channel.checkExchange(name).catch((error: unknown) => {
      throw new TopologyMissingError('exchange', name, { cause: error });
    });
  }
}

/**
 * Declares a work queue with its `.dlq`, its retry queues and its bindings (queueTopology); returns the
 * namespaced queue name. The exchanges must exist already.
 */
export async function declareQueue(
  channel: Channel,
  namespace: string,
  spec: QueueSpec,
  failureOptions: QueueFailureOptions,
): Promise<string> {
  await declareTopology(channel, queueTopology(namespace, spec, failureOptions));
  return namespaced(namespace, spec.name);
}

/**
 * Checks that a work queue exists with its `.dlq` and the retry queues the failure options need, without
 * declaring anything; returns the namespaced queue name. A missing one closes the channel; the error names it.
 */
export async function verifyQueue(
  channel: Channel,
  namespace: string,
  spec: QueueSpec,
  failureOptions: QueueFailureOptions,
): Promise<string> {
  for (const { name } of queueTopology(namespace, spec, failureOptions).queues) {
    await channel.checkQueue(name).catch((error: unknown) => {
      throw new TopologyMissingError('queue', name, { cause: error });
    });
  }
  return namespaced(namespace, spec.name);
}

/** Whether a service declares the topology it uses or finds it set up (and may not declare it). */
export type TopologyMode = 'declare' | 'provisioned';
