export { assertBrokerRetryPolicy, brokerRetryDelayMs, defaultBrokerRetryPolicy } from './broker-retries';
export type { BrokerRetryPolicy } from './broker-retries';
export { defaultRelayMaxBackoffMs, relayBackoffMs } from './relay-backoff';
export { defaultSagaResendPolicy, sagaResendDelayMs } from './saga-resends';
export type { SagaResendPolicy } from './saga-resends';
