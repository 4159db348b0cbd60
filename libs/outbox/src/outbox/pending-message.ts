import type { Exchange, MessageEnvelope } from '@saga/contracts';

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
