import amqplib, { type Options } from 'amqplib';

/** A message taken off a queue for an assertion. */
export interface ReadMessage {
  content: Buffer;
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
}

/** A hand-made message, possibly malformed, to put on the broker past every validation. */
export interface RawMessage {
  exchange?: string;
  queue?: string;
  routingKey?: string;
  content: Buffer | string;
  properties?: Options.Publish;
}

async function withChannel<T>(amqpUrl: string, use: (channel: amqplib.ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqplib.connect(amqpUrl, { noDelay: true });
  try {
    const channel = await connection.createConfirmChannel();
    return await use(channel);
  } finally {
    await connection.close();
  }
}

/** Takes up to max messages off a queue (basic.get, then ack), for assertions on a .dlq. */
export function readQueue(amqpUrl: string, queue: string, max = 100): Promise<ReadMessage[]> {
  return withChannel(amqpUrl, async (channel) => {
    const messages: ReadMessage[] = [];
    while (messages.length < max) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) break;
      channel.ack(message);
      const { headers, ...properties } = message.properties;
      messages.push({ content: message.content, headers: headers ?? {}, properties });
    }
    return messages;
  });
}

/** The number of messages ready for delivery on a queue (unacknowledged ones not counted). */
export function queueDepth(amqpUrl: string, queue: string): Promise<number> {
  return withChannel(amqpUrl, async (channel) => (await channel.checkQueue(queue)).messageCount);
}

/** How many consumers a queue has now. */
export function queueConsumers(amqpUrl: string, queue: string): Promise<number> {
  return withChannel(amqpUrl, async (channel) => (await channel.checkQueue(queue)).consumerCount);
}

/** Publishes raw bytes to an exchange (with routingKey) or straight to a queue, and waits for the confirm. */
export function publishRaw(amqpUrl: string, message: RawMessage): Promise<void> {
  const exchange = message.queue === undefined ? (message.exchange ?? '') : '';
  const routingKey = message.queue ?? message.routingKey ?? '';
  const content = typeof message.content === 'string' ? Buffer.from(message.content) : message.content;
  return withChannel(amqpUrl, async (channel) => {
    channel.publish(exchange, routingKey, content, message.properties ?? {});
    await channel.waitForConfirms();
  });
}
