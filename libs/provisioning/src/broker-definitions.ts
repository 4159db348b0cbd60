import type { BrokerTopology } from './broker-topology';

/** An exchange as RabbitMQ's definitions file holds it, and as the management API lists it. */
export interface ExchangeDefinition {
  readonly name: string;
  readonly vhost: string;
  readonly type: string;
  readonly durable: boolean;
  readonly auto_delete: boolean;
  readonly internal: boolean;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** A queue as RabbitMQ's definitions file holds it, and as the management API lists it. */
export interface QueueDefinition {
  readonly name: string;
  readonly vhost: string;
  readonly durable: boolean;
  readonly auto_delete: boolean;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** A binding as RabbitMQ's definitions file holds it, and as the management API lists it. */
export interface BindingDefinition {
  readonly source: string;
  readonly vhost: string;
  readonly destination: string;
  readonly destination_type: 'queue' | 'exchange';
  readonly routing_key: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** A topology in the form of RabbitMQ's definitions file (what load_definitions and POST /api/definitions take). */
export interface TopologyDefinitions {
  readonly exchanges: ExchangeDefinition[];
  readonly queues: QueueDefinition[];
  readonly bindings: BindingDefinition[];
}

/**
 * A topology as definitions on one vhost: what applyTopology declares over AMQP, written out for a broker
 * to load at boot (every exchange and queue durable, never auto-deleted; no binding arguments).
 */
export function topologyDefinitions(topology: BrokerTopology, vhost: string): TopologyDefinitions {
  return {
    exchanges: topology.exchanges.map(({ name, type }) => ({
      name,
      vhost,
      type,
      durable: true,
      auto_delete: false,
      internal: false,
      arguments: {},
    })),
    queues: topology.queues.map(({ name, arguments: queueArguments }) => ({
      name,
      vhost,
      durable: true,
      auto_delete: false,
      arguments: queueArguments,
    })),
    bindings: topology.bindings.map(({ exchange, queue, routingKey }) => ({
      source: exchange,
      vhost,
      destination: queue,
      destination_type: 'queue',
      routing_key: routingKey,
      arguments: {},
    })),
  };
}
