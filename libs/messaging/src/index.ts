export { Broker } from './broker';
export type { BrokerOptions, MessageHandler, OutgoingMessage, ReceivedMessage } from './broker';
export { BrokerUnavailableError, PublishNackedError, UnroutableMessageError } from './errors';
export { declareExchanges, declareQueue } from './topology';
export { traceparentFor } from './traceparent';
