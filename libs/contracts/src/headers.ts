/** AMQP headers the system sets besides the envelope's own properties. */
export const MessageHeader = {
  /** The saga a message belongs to. */
  SagaId: 'x-saga-id',
  /** The saga step a command belongs to; workers copy it onto their replies, dead letters keep it. */
  SagaStep: 'x-saga-step',
} as const;
export type MessageHeader = (typeof MessageHeader)[keyof typeof MessageHeader];

/** The headers that say how a message failed: its retries, and why and when it was dead-lettered. */
export const FailureHeader = {
  /** Retries so far (absent on the first delivery); set on the copy sent to `<queue>.retry.<n>`. */
  RetryAttempt: 'x-retry-attempt',
  /** The error of the handler run that sent the message to its latest retry, truncated. */
  LastError: 'x-last-error',
  /** Why the message is on the .dlq: a DeathReason. */
  DeathReason: 'x-death-reason',
  /** The error that dead-lettered the message, truncated. */
  ErrorMessage: 'x-error-message',
  /** How many times a handler ran on the message before it was dead-lettered. */
  Attempts: 'x-attempts',
  OriginalQueue: 'x-original-queue',
  /** The routing key the message was first published with; kept through retries and replays. */
  OriginalRoutingKey: 'x-original-routing-key',
  /** ISO time of dead-lettering. */
  FailedAt: 'x-failed-at',
  MessageType: 'x-message-type',
  /**
   * The broker user that published the message the consumer refused or gave up on (the copy on the .dlq
   * carries the dead-lettering service's user id); absent when it had none.
   */
  OriginalSender: 'x-original-user-id',
  /** ISO time at which an operator put the dead letter back on its work queue. */
  ReplayedAt: 'x-replayed-at',
} as const;
export type FailureHeader = (typeof FailureHeader)[keyof typeof FailureHeader];

/** Headers RabbitMQ itself writes on delivery and on dead-lettering, which the system reads. */
export const BrokerHeader = {
  /** How many times a quorum queue delivered this copy. */
  DeliveryCount: 'x-delivery-count',
  /** The history of a message's deaths (expirations, rejections), newest first. */
  Death: 'x-death',
  FirstDeathReason: 'x-first-death-reason',
  FirstDeathPrefix: 'x-first-death-',
  LastDeathPrefix: 'x-last-death-',
} as const;
