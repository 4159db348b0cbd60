import { performance } from 'node:perf_hooks';
import amqplib, { type ChannelModel } from 'amqplib';
import { Exchange, namespaced } from '@saga/contracts';

/** An order's end as order-api announced it, and when the benchmark heard it (performance.now()). */
export interface OrderOutcome {
  readonly status: 'COMPLETED' | 'FAILED';
  readonly at: number;
}

/**
 * Hears order.completed and order.failed on the events exchange, as any subscriber would, so the
 * benchmark learns when each order ended without polling the API (polling would cost the apps CPU).
 * order-api publishes them after the order's final commit, so an order is settled for a shopper no
 * later than this. The queue is a classic, exclusive one: it dies with the benchmark.
 */
export class OrderOutcomes {
  private readonly outcomes = new Map<string, OrderOutcome>();
  private readonly waiters = new Map<string, (outcome: OrderOutcome) => void>();

  private constructor(private readonly connection: ChannelModel) {}

  static async listen(amqpUrl: string, namespace: string): Promise<OrderOutcomes> {
    const connection = await amqplib.connect(amqpUrl, { noDelay: true });
    const outcomes = new OrderOutcomes(connection);
    const channel = await connection.createChannel();
    const exchange = namespaced(namespace, Exchange.Events);
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    for (const key of ['order.completed', 'order.failed']) await channel.bindQueue(queue, exchange, key);
    await channel.consume(
      queue,
      (message) => {
        if (!message) return;
        const at = performance.now();
        const envelope = JSON.parse(message.content.toString()) as { type: string; payload: { orderId: string } };
        outcomes.settle(envelope.payload.orderId, {
          status: envelope.type === 'order.completed' ? 'COMPLETED' : 'FAILED',
          at,
        });
      },
      { noAck: true },
    );
    return outcomes;
  }

  /** Resolves when the order has ended (at once if it already has). */
  settled(orderId: string): Promise<OrderOutcome> {
    const known = this.outcomes.get(orderId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => this.waiters.set(orderId, resolve));
  }

  /** How many of these orders have not ended yet. */
  openAmong(orderIds: readonly string[]): number {
    return orderIds.filter((id) => !this.outcomes.has(id)).length;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private settle(orderId: string, outcome: OrderOutcome): void {
    // A redelivered event (the outbox publishes at least once) keeps the first time.
    if (this.outcomes.has(orderId)) return;
    this.outcomes.set(orderId, outcome);
    this.waiters.get(orderId)?.(outcome);
    this.waiters.delete(orderId);
  }
}
