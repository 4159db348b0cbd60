export { Broker } from './broker';
export type { BrokerOptions, OutgoingMessage } from './broker';
export type { MessageHandler, ReceivedMessage } from './message-delivery';
export { matchesFilter } from './dead-letters';
export type { DeadLetter, DeadLetterFilter } from './dead-letters';
export { BrokerUnavailableError, PublishNackedError, UnauthorizedSenderError, UnroutableMessageError } from './errors';
export { classifyFailure, DeathReason, recoveryFor } from './failure-recovery';
export type { FailureKind, Recovery } from './failure-recovery';
export { traceparentFor } from './traceparent';
