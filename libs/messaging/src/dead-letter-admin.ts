import { deadLetterQueueName, namespaced, type QueueSpec } from '@saga/contracts';
import type { Logger } from '@saga/observability';
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import type { ConfirmedPublisher } from './confirmed-publisher';
import { describeDeadLetter, matchesFilter, type DeadLetter, type DeadLetterFilter } from './dead-letters';
import { BrokerUnavailableError } from './errors';
import { DeathReason } from './failure-recovery';
import { replayHeaders, republishedProperties } from './message-headers';

/** What reading and replaying dead letters needs of the broker around it. */
export interface DeadLetterContext {
  readonly namespace: string;
  readonly logger: Logger;
  /** The connection as it is now; undefined while disconnected. */
  model(): ChannelModel | undefined;
  publisher(): Promise<ConfirmedPublisher>;
  /** Declares the queue with its `.dlq`, or checks they exist where the topology is provisioned. */
  prepareQueue(channel: Channel, spec: QueueSpec): Promise<string>;
}

/**
 * Lists the first `limit` messages on the queue's `.dlq`, oldest first, and leaves them all there in
 * their order.
 */
export async function listDeadLetters(
  context: DeadLetterContext,
  spec: QueueSpec,
  limit: number,
): Promise<DeadLetter[]> {
  const deadLetterQueue = deadLetterQueueName(namespaced(context.namespace, spec.name));
  return withDeadLetterChannel(context, spec, async (channel, held) => {
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
 *
 * A copy goes out as this process's broker user, which the queue takes: so a dead letter whose sender the
 * queue refused (unauthorized_sender) is never replayed, whatever the filter, lest a forgery be laundered.
 */
export async function replayDeadLetters(
  context: DeadLetterContext,
  spec: QueueSpec,
  filter: DeadLetterFilter,
): Promise<number> {
  const queue = namespaced(context.namespace, spec.name);
  const deadLetterQueue = deadLetterQueueName(queue);
  const publisher = await context.publisher();
  const replayedAt = new Date();
  const replayed = await withDeadLetterChannel(context, spec, async (channel, held) => {
    let count = 0;
    for (;;) {
      const message = await channel.get(deadLetterQueue, { noAck: false });
      if (message === false) return count;
      const deadLetter = describeDeadLetter(message.content, message.properties);
      if (deadLetter.reason === DeathReason.UnauthorizedSender || !matchesFilter(deadLetter, filter)) {
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
  context.logger.info('replayed dead letters', { queue, filter, replayed });
  return replayed;
}

// Messages taken with basic.get are held unacked and whatever is still held at the end is requeued in
// the order it was taken. Each call takes the whole .dlq: RabbitMQ 3.10 puts a requeued quorum message
// behind the ready ones (other versions in front), so only an emptied queue gets its order back.
// Holding them unacked means a crash here requeues them; nothing is lost.
async function withDeadLetterChannel<T>(
  context: DeadLetterContext,
  spec: QueueSpec,
  use: (channel: Channel, held: GetMessage[]) => Promise<T>,
): Promise<T> {
  const model = context.model();
  if (!model) throw new BrokerUnavailableError();
  const channel = await model.createChannel();
  channel.on('error', (error: Error) =>
    context.logger.error('dead-letter channel closed by broker', { queue: spec.name, reason: error.message }),
  );
  const held: GetMessage[] = [];
  try {
    await context.prepareQueue(channel, spec);
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
