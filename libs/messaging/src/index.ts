export { Broker } from './broker';
export type { BrokerOptions, OutgoingMessage } from './broker';
export type { MessageHandler, ReceivedMessage } from './message-delivery';
export { matchesFilter } from './dead-letters';
export type { DeadLetter, DeadLetterFilter, DeadLetterMessage } from './dead-letters';
export type { ReplayGuard, ReplayReport } from './dead-letter-admin';
export { BrokerUnavailableError, PublishNackedError, UnauthorizedSenderError, UnroutableMessageError } from './errors';
export { classifyFailure, DeathReason, recoveryFor } from './failure-recovery';
export type { FailureKind, Recovery } from './failure-recovery';
