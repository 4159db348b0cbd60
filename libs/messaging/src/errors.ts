/** Thrown by publish when there is no live connection or publishing channel; the caller retries later. */
export class BrokerUnavailableError extends Error {
  constructor(message = 'not connected to the broker', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrokerUnavailableError';
  }
}

/** Thrown by publish when no queue is bound for the routing key (basic.return on a mandatory publish). */
export class UnroutableMessageError extends Error {
  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(`no queue is bound to exchange ${exchange} for routing key ${routingKey}`);
    this.name = 'UnroutableMessageError';
  }
}

/** Thrown by publish when the broker refused the message (basic.nack), e.g. a full queue rejecting publishes. */
export class PublishNackedError extends Error {
  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(`the broker refused the message to exchange ${exchange} with routing key ${routingKey}`);
    this.name = 'PublishNackedError';
  }
}

/** A message published by a broker user the queue does not take messages from; it is dead-lettered as such. */
export class UnauthorizedSenderError extends Error {
  constructor(
    readonly queue: string,
    readonly sender: string | undefined,
  ) {
    super(
      sender === undefined
        ? `a message without a user_id is not taken on ${queue}`
        : `a message published by broker user ${JSON.stringify(sender)} is not taken on ${queue}`,
    );
    this.name = 'UnauthorizedSenderError';
  }
}
