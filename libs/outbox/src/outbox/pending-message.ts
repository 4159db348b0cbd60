import { Exchange, newEnvelope, type EventContract, type EventPayload, type MessageEnvelope } from '@saga/contracts';
import { traceHeaders } from '@saga/observability';

/** A message to publish once the transaction that produced it has committed. */
export interface PendingMessage {
  readonly exchange: Exchange;
  readonly routingKey: string;
  readonly envelope: MessageEnvelope;
  /** AMQP headers besides those derived from the envelope. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Not published before this time (a re-send waiting out its backoff); at once when absent. */
  readonly notBefore?: Date;
}

/** The one thing the relay needs of a broker: publish and resolve only once the broker confirmed. */
export interface ConfirmedPublisher {
  publish(message: Omit<PendingMessage, 'notBefore'>): Promise<void>;
}

/** An event to publish: on the events exchange, under its type as the routing key. */
export function eventMessage<E extends EventContract>(
  event: E,
  payload: EventPayload<E>,
  ids: { readonly sagaId: string | null; readonly correlationId: string; readonly causationId: string | null },
): PendingMessage {
  return {
    exchange: Exchange.Events,
    routingKey: event.type,
    envelope: newEnvelope({ type: event.type, schemaVersion: event.schemaVersion, payload, ...ids }),
  };
}

/**
 * The message with the active trace context (traceparent, baggage) in its headers, unless it names its
 * own: the outbox row keeps it, so the relay publishes it in the trace it was written in.
 */
export function withActiveTrace(message: PendingMessage): PendingMessage {
  if (message.headers?.traceparent !== undefined) return message;
  const trace = traceHeaders();
  if (trace.traceparent === undefined) return message;
  return { ...message, headers: { ...trace, ...message.headers } };
}
