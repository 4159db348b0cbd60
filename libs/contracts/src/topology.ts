import { orderPlaced, paymentMethodProvided, refundRequested, sagaResumed, sagaStalled } from './events';
import { commandContracts } from './commands';
import { replyRoutingKey } from './replies';

/** Exchanges of the system, by role; every name is prefixed with the namespace at declare time. */
export const Exchange = {
  Commands: 'saga.commands',
  Replies: 'saga.replies',
  Events: 'saga.events',
  DeadLetter: 'saga.dead-letter',
} as const;
export type Exchange = (typeof Exchange)[keyof typeof Exchange];

export const exchangeTypes: Record<Exchange, 'topic' | 'direct'> = {
  [Exchange.Commands]: 'topic',
  [Exchange.Replies]: 'topic',
  [Exchange.Events]: 'topic',
  [Exchange.DeadLetter]: 'direct',
};

export interface QueueBinding {
  readonly exchange: Exchange;
  readonly pattern: string;
}

/**
 * A work queue of one service; it gets `<name>.retry.<n>` queues for delayed retries and a `<name>.dlq`
 * beside it for what cannot be processed.
 */
export interface QueueSpec {
  readonly name: string;
  readonly bindings: readonly QueueBinding[];
}

/** Every work queue of the system and what feeds it. */
export const Queues = {
  orderApiCommands: { name: 'order-api.commands', bindings: [{ exchange: Exchange.Commands, pattern: 'order.*' }] },
  orderApiEvents: {
    name: 'order-api.events',
    bindings: [
      { exchange: Exchange.Events, pattern: sagaStalled.type },
      { exchange: Exchange.Events, pattern: sagaResumed.type },
    ],
  },
  orderSagaReplies: {
    name: 'order-saga.replies',
    bindings: [{ exchange: Exchange.Replies, pattern: replyRoutingKey('#') }],
  },
  orderSagaEvents: {
    name: 'order-saga.events',
    bindings: [
      { exchange: Exchange.Events, pattern: orderPlaced.type },
      { exchange: Exchange.Events, pattern: refundRequested.type },
    ],
  },
  inventoryCommands: {
    name: 'inventory-worker.commands',
    bindings: [{ exchange: Exchange.Commands, pattern: 'inventory.*' }],
  },
  paymentCommands: {
    name: 'payment-worker.commands',
    bindings: [{ exchange: Exchange.Commands, pattern: 'payment.*' }],
  },
  paymentEvents: {
    name: 'payment-worker.events',
    bindings: [{ exchange: Exchange.Events, pattern: paymentMethodProvided.type }],
  },
  cartCommands: { name: 'cart-worker.commands', bindings: [{ exchange: Exchange.Commands, pattern: 'cart.*' }] },
} as const satisfies Record<string, QueueSpec>;

/** The name a resource has on the broker for a namespace: `${namespace}.${name}`. */
export function namespaced(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}

/** The queue beside a work queue that holds what could not be processed: `<queue>.dlq`. */
export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}

/**
 * The queue a failed message waits in before its nth retry (n from 1): `<queue>.retry.<n>`. Its messages
 * expire back onto the work queue.
 */
export function retryQueueName(queue: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`retry attempt must be an integer >= 1, got ${attempt}`);
  return `${queue}.retry.${attempt}`;
}

/** Command types that reach a queue through its bindings on the commands exchange. */
export function commandTypesOf(queue: QueueSpec): string[] {
  const prefixes = queue.bindings
    .filter((b) => b.exchange === Exchange.Commands)
    .map((b) => b.pattern.replace(/\*$/, ''));
  return Object.keys(commandContracts).filter((type) => prefixes.some((p) => type.startsWith(p)));
}
