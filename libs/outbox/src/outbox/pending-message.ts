import type { Exchange, MessageEnvelope } from '@saga/contracts';

/** A message to publish once the transaction that produced it has committed. */
export interface PendingMessage {
  readonly exchange: Exchange;
  readonly routingKey: string;
  readonly envelope: MessageEnvelope;
}

/** The one thing the relay needs of a broker: publish and resolve only once the broker confirmed. */
export interface ConfirmedPublisher {
  publish(message: PendingMessage): Promise<void>;
}
