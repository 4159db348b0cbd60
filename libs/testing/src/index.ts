export { CommandProbe } from './command-probe';
export type { CommandOptions } from './command-probe';
export { publishRaw, queueDepth, readQueue } from './broker-helpers';
export { forceCloseBrokerConnection, restartBroker, setDatabaseReachable } from './faults';
export type { RawMessage, ReadMessage } from './broker-helpers';
export { deleteWorkQueue, provisionTestInfrastructure, serviceConfigFor } from './provision-test-infrastructure';
export type { TestInfrastructure } from './provision-test-infrastructure';
export { waitFor } from './wait-for';
export type { WaitForOptions } from './wait-for';
