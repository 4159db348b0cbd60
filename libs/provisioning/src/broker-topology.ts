import {
  deadLetterQueueName,
  Exchange,
  exchangeTypes,
  namespaced,
  type QueueSpec,
  retryQueueName,
} from '@saga/contracts';
import type { Channel } from 'amqplib';
import { TopologyMissingError } from './topology-missing-error';

/** Declares every exchange of the system under the namespace (durable; idempotent). */
export async function declareExchanges(channel: Channel, namespace: string): Promise<void> {
  for (const exchange of Object.values(Exchange)) {
    await channel.assertExchange(namespaced(namespace, exchange), exchangeTypes[exchange], { durable: true });
  }
}

/**
 * Checks that every exchange of the namespace exists, without declaring anything (a passive declare
 * needs no configure permission). A missing one closes the channel; the error names it.
 */
export async function verifyExchanges(channel: Channel, namespace: string): Promise<void> {
  for (const exchange of Object.values(Exchange)) {
    const name = namespaced(namespace, exchange);
    await channel.checkExchange(name).catch((error: unknown) => {
      throw new TopologyMissingError('exchange', name, { cause: error });
    });
  }
}

/** How a work queue's failures are held: its delivery limit and the number of retry queues beside it. */
export interface QueueFailureOptions {
  /** Redeliveries (a consumer that died holding the message) before RabbitMQ dead-letters it. */
  readonly deliveryLimit: number;
  /** One `<queue>.retry.<n>` queue per retry, n = 1..retries. */
  readonly retries: number;
}

// Quorum dead-lettering is at-most-once unless the source queue asks for at-least-once, which RabbitMQ
// honours only together with reject-publish overflow (3.10; feature flag stream_queue).
const atLeastOnceDeadLettering = {
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

/**
 * Declares a work queue as a quorum queue with its delivery limit and dead-letter routing, its `.dlq`,
 * its retry queues and its bindings; returns the namespaced queue name. The exchanges must exist already.
 *
 * A retry queue holds a message until its per-message expiration, then RabbitMQ dead-letters it through
 * the default exchange back onto the work queue. The `.dlq` has no delivery limit and no dead-letter
 * exchange, so reading a dead letter and putting it back can never lose it.
 */
export async function declareQueue(
  channel: Channel,
  namespace: string,
  spec: QueueSpec,
  { deliveryLimit, retries }: QueueFailureOptions,
): Promise<string> {
  const queue = namespaced(namespace, spec.name);
  const deadLetterExchange = namespaced(namespace, Exchange.DeadLetter);
  const deadLetterQueue = deadLetterQueueName(queue);
  await channel.assertQueue(deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(deadLetterQueue, deadLetterExchange, queue);
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': deliveryLimit,
      'x-dead-letter-exchange': deadLetterExchange,
      'x-dead-letter-routing-key': queue,
      ...atLeastOnceDeadLettering,
    },
  });
  for (let attempt = 1; attempt <= retries; attempt++) {
    await channel.assertQueue(retryQueueName(queue, attempt), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queue,
        ...atLeastOnceDeadLettering,
      },
    });
  }
  for (const binding of spec.bindings) {
    await channel.bindQueue(queue, namespaced(namespace, binding.exchange), binding.pattern);
  }
  return queue;
}

/**
 * Checks that a work queue exists with its `.dlq` and the retry queues the failure options need, without
 * declaring anything; returns the namespaced queue name. A missing one closes the channel; the error names it.
 */
export async function verifyQueue(
  channel: Channel,
  namespace: string,
  spec: QueueSpec,
  { retries }: QueueFailureOptions,
): Promise<string> {
  const queue = namespaced(namespace, spec.name);
  const expected = [queue, deadLetterQueueName(queue)];
  for (let attempt = 1; attempt <= retries; attempt++) expected.push(retryQueueName(queue, attempt));
  for (const name of expected) {
    await channel.checkQueue(name).catch((error: unknown) => {
      throw new TopologyMissingError('queue', name, { cause: error });
    });
  }
  return queue;
}

/** Whether a service declares the topology it uses or finds it set up (and may not declare it). */
export type TopologyMode = 'declare' | 'provisioned';

/** Declares every exchange and every given queue (with retry queues, `.dlq` and bindings), as the broker's setup does. */
export async function declareTopology(
  channel: Channel,
  namespace: string,
  queues: readonly QueueSpec[],
  failureOptions: QueueFailureOptions,
): Promise<void> {
  await declareExchanges(channel, namespace);
  for (const spec of queues) await declareQueue(channel, namespace, spec, failureOptions);
}
