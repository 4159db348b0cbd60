import {
  lowStock,
  orderCompleted,
  orderFailed,
  orderPlaced,
  orderRefunded,
  paymentMethodProvided,
  refundRequested,
  sagaResumed,
  sagaStalled,
} from './events';
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

/** The services of the system: each has its own broker user, database role and schema. */
export const ServiceName = {
  OrderApi: 'order-api',
  OrderSaga: 'order-saga',
  InventoryWorker: 'inventory-worker',
  PaymentWorker: 'payment-worker',
  CartWorker: 'cart-worker',
  NotificationWorker: 'notification-worker',
} as const;
export type ServiceName = (typeof ServiceName)[keyof typeof ServiceName];

/** The schema each service owns in the shared database. */
export const serviceSchemas: Record<ServiceName, string> = {
  [ServiceName.OrderApi]: 'orders',
  [ServiceName.OrderSaga]: 'saga',
  [ServiceName.InventoryWorker]: 'inventory',
  [ServiceName.PaymentWorker]: 'payment',
  [ServiceName.CartWorker]: 'cart',
  [ServiceName.NotificationWorker]: 'notification',
};

/**
 * The exchanges each service publishes to, besides the dead-letter exchange and the default exchange
 * (retries and replays) that every consumer writes to.
 */
export const servicePublishes: Record<ServiceName, readonly Exchange[]> = {
  [ServiceName.OrderApi]: [Exchange.Events, Exchange.Replies],
  [ServiceName.OrderSaga]: [Exchange.Commands, Exchange.Events],
  [ServiceName.InventoryWorker]: [Exchange.Replies, Exchange.Events],
  [ServiceName.PaymentWorker]: [Exchange.Replies],
  [ServiceName.CartWorker]: [Exchange.Replies],
  [ServiceName.NotificationWorker]: [],
};

/** The service that reads and replays every queue's dead letters for operators. */
export const deadLetterOperator: ServiceName = ServiceName.OrderSaga;

/**
 * A work queue of one service (its name starts with the service's); it gets `<name>.retry.<n>` queues
 * for delayed retries and a `<name>.dlq` beside it for what cannot be processed.
 */
export interface QueueSpec {
  readonly name: string;
  readonly bindings: readonly QueueBinding[];
  /** The services whose messages this queue takes; a message any other user published is dead-lettered. */
  readonly acceptsFrom?: readonly ServiceName[];
}

/** Every work queue of the system and what feeds it. */
export const Queues = {
  orderApiCommands: {
    name: 'order-api.commands',
    bindings: [{ exchange: Exchange.Commands, pattern: 'order.*' }],
    acceptsFrom: [ServiceName.OrderSaga],
  },
  orderApiEvents: {
    name: 'order-api.events',
    bindings: [
      { exchange: Exchange.Events, pattern: sagaStalled.type },
      { exchange: Exchange.Events, pattern: sagaResumed.type },
    ],
    acceptsFrom: [ServiceName.OrderSaga],
  },
  orderSagaReplies: {
    name: 'order-saga.replies',
    bindings: [{ exchange: Exchange.Replies, pattern: replyRoutingKey('#') }],
    acceptsFrom: [ServiceName.OrderApi, ServiceName.InventoryWorker, ServiceName.PaymentWorker, ServiceName.CartWorker],
  },
  orderSagaEvents: {
    name: 'order-saga.events',
    bindings: [
      { exchange: Exchange.Events, pattern: orderPlaced.type },
      { exchange: Exchange.Events, pattern: refundRequested.type },
    ],
    acceptsFrom: [ServiceName.OrderApi],
  },
  inventoryCommands: {
    name: 'inventory-worker.commands',
    bindings: [{ exchange: Exchange.Commands, pattern: 'inventory.*' }],
    acceptsFrom: [ServiceName.OrderSaga],
  },
  paymentCommands: {
    name: 'payment-worker.commands',
    bindings: [{ exchange: Exchange.Commands, pattern: 'payment.*' }],
    acceptsFrom: [ServiceName.OrderSaga],
  },
  paymentEvents: {
    name: 'payment-worker.events',
    bindings: [{ exchange: Exchange.Events, pattern: paymentMethodProvided.type }],
    acceptsFrom: [ServiceName.OrderApi],
  },
  cartCommands: {
    name: 'cart-worker.commands',
    bindings: [{ exchange: Exchange.Commands, pattern: 'cart.*' }],
    acceptsFrom: [ServiceName.OrderSaga],
  },
  notificationEvents: {
    name: 'notification-worker.events',
    bindings: [orderCompleted, orderFailed, orderRefunded, sagaStalled, lowStock].map((event) => ({
      exchange: Exchange.Events,
      pattern: event.type,
    })),
    acceptsFrom: [ServiceName.OrderApi, ServiceName.OrderSaga, ServiceName.InventoryWorker],
  },
} as const satisfies Record<string, QueueSpec>;

/** The name a resource has on the broker for a namespace: `${namespace}.${name}`. */
export function namespaced(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}

/** The broker user a service logs in as within a namespace: `${namespace}.${service}`. */
export function brokerUserName(namespace: string, service: ServiceName): string {
  return namespaced(namespace, service);
}

/** The service whose queue this is: the first segment of the queue's name. */
export function ownerOf(queue: QueueSpec): ServiceName {
  const owner = queue.name.split('.')[0];
  const known = Object.values(ServiceName) as string[];
  if (!known.includes(owner)) throw new Error(`queue ${queue.name} belongs to no service of the system`);
  return owner as ServiceName;
}

/**
 * The broker users whose messages a queue takes: the senders it names, its owner (whose retries come
 * back to it) and the dead-letter operator (whose replays do). Undefined for a queue that names none.
 */
export function acceptedSenders(namespace: string, queue: QueueSpec): ReadonlySet<string> | undefined {
  if (!queue.acceptsFrom) return undefined;
  const services = new Set<ServiceName>([...queue.acceptsFrom, ownerOf(queue), deadLetterOperator]);
  return new Set([...services].map((service) => brokerUserName(namespace, service)));
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
