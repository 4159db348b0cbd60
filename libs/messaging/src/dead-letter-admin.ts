import { deadLetterQueueName, namespaced, type QueueSpec } from '@saga/contracts';
import type { Logger } from '@saga/observability';
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import type { ConfirmedPublisher } from './confirmed-publisher';
import { matchesFilter, readDeadLetter, type DeadLetterFilter, type DeadLetterMessage } from './dead-letters';
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
 * Lists the first `limit` messages on the queue's `.dlq` that the filter selects, oldest first, with
 * their headers and bodies, and leaves them all there in their order.
 */
export async function listDeadLetters(
  context: DeadLetterContext,
  spec: QueueSpec,
  { filter = {}, limit }: { filter?: DeadLetterFilter; limit: number },
): Promise<DeadLetterMessage[]> {
  const deadLetterQueue = deadLetterQueueName(namespaced(context.namespace, spec.name));
  return withDeadLetterChannel(context, spec, async (channel, held) => {
    for (;;) {
      const message = await channel.get(deadLetterQueue, { noAck: false });
      if (message === false) break;
      held.push(message);
    }
    return held
      .map((message) => readDeadLetter(message.content, message.properties))
      .filter((deadLetter) => matchesFilter(deadLetter, filter))
      .slice(0, limit);
  });
}

/**
 * Whether a selected dead letter may be put back: true, or why not (it is stale: its saga moved on).
 * Asked once per dead letter, before anything is published.
 */
export type ReplayGuard = (deadLetter: DeadLetterMessage) => Promise<true | string>;

/** What a replay did: the dead letters it put back, and those it left, each with why. */
export interface ReplayReport {
  readonly replayed: readonly DeadLetterMessage[];
  readonly stale: readonly { readonly deadLetter: DeadLetterMessage; readonly why: string }[];
}

/**
 * Moves the dead letters the filter selects, and the guard admits, from the queue's `.dlq` back onto
 * the queue itself (not through an exchange, so no other queue gets a copy), as they first arrived:
 * without the retry and dead-letter headers, with `x-replayed-at`. Each is acked on the `.dlq` only after
 * the broker confirmed its copy; the others stay on the `.dlq` in their order.
 *
 * A copy goes out as this process's broker user, which the queue takes: so a dead letter whose sender the
 * queue refused (unauthorized_sender) is never replayed, whatever the filter, lest a forgery be laundered.
 */
export async function replayDeadLetters(
  context: DeadLetterContext,
  spec: QueueSpec,
  { filter = {}, guard }: { filter?: DeadLetterFilter; guard?: ReplayGuard },
): Promise<ReplayReport> {
  const queue = namespaced(context.namespace, spec.name);
  const publisher = await context.publisher();
  const replayedAt = new Date();
  const replayed: DeadLetterMessage[] = [];
  const stale: { deadLetter: DeadLetterMessage; why: string }[] = [];
  await takeDeadLetters(context, spec, filter, async (message, deadLetter) => {
    if (deadLetter.reason === DeathReason.UnauthorizedSender) return false;
    const admitted = guard ? await guard(deadLetter) : true;
    if (admitted !== true) {
      stale.push({ deadLetter, why: admitted });
      return false;
    }
    await publisher.publish('', queue, message.content, {
      ...republishedProperties(message.properties),
      headers: replayHeaders(message.properties.headers ?? {}, replayedAt),
    });
    replayed.push(deadLetter);
    return true;
  });
  context.logger.info('replayed dead letters', { queue, filter, replayed: replayed.length, stale: stale.length });
  return { replayed, stale };
}

/** Deletes the dead letters the filter selects from the queue's `.dlq`; returns them. The rest stay in order. */
export async function purgeDeadLetters(
  context: DeadLetterContext,
  spec: QueueSpec,
  filter: DeadLetterFilter,
): Promise<DeadLetterMessage[]> {
  const purged: DeadLetterMessage[] = [];
  await takeDeadLetters(context, spec, filter, async (_message, deadLetter) => {
    purged.push(deadLetter);
    return true;
  });
  context.logger.warn('purged dead letters', { queue: spec.name, filter, purged: purged.length });
  return purged;
}

/**
 * Goes through the whole `.dlq` once: each message the filter selects is given to `take`, and acked if
 * it returns true; every other one is held and put back in order at the end. An error in `take` puts
 * that message back too.
 */
async function takeDeadLetters(
  context: DeadLetterContext,
  spec: QueueSpec,
  filter: DeadLetterFilter,
  take: (message: GetMessage, deadLetter: DeadLetterMessage) => Promise<boolean>,
): Promise<void> {
  const deadLetterQueue = deadLetterQueueName(namespaced(context.namespace, spec.name));
  await withDeadLetterChannel(context, spec, async (channel, held) => {
    for (;;) {
      const message = await channel.get(deadLetterQueue, { noAck: false });
      if (message === false) return;
      const deadLetter = readDeadLetter(message.content, message.properties);
      let taken = false;
      try {
        taken = matchesFilter(deadLetter, filter) && (await take(message, deadLetter));
      } finally {
        if (taken) channel.ack(message);
        else held.push(message);
      }
    }
  });
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
