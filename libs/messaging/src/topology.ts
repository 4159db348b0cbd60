import { deadLetterQueueName, Exchange, exchangeTypes, namespaced, type QueueSpec } from '@saga/contracts';
import type { Channel } from 'amqplib';

/** Declares every exchange of the system under the namespace (durable; idempotent). */
export async function declareExchanges(channel: Channel, namespace: string): Promise<void> {
  for (const exchange of Object.values(Exchange)) {
    await channel.assertExchange(namespaced(namespace, exchange), exchangeTypes[exchange], { durable: true });
  }
}

/**
 * Declares a work queue as a quorum queue with its delivery limit and dead-letter routing, its `.dlq`,
 * and its bindings; returns the namespaced queue name. The exchanges must exist already.
 */
export async function declareQueue(
  channel: Channel,
  namespace: string,
  spec: QueueSpec,
  deliveryLimit: number,
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
    },
  });
  for (const binding of spec.bindings) {
    await channel.bindQueue(queue, namespaced(namespace, binding.exchange), binding.pattern);
  }
  return queue;
}
