export { topologyDefinitions } from './broker-definitions';
export type { TopologyDefinitions } from './broker-definitions';
export { brokerPermissions } from './broker-permissions';
export {
  declareExchanges,
  declareQueue,
  declareTopology,
  defaultDeliveryLimit,
  systemTopology,
  verifyExchanges,
  verifyQueue,
} from './broker-topology';
export type { BrokerTopology, QueueFailureOptions, TopologyMode } from './broker-topology';
export { deleteUser, listUsers, managementApiFor, putPermissions, putUser } from './management-api';
export type { ManagementApi, Permissions } from './management-api';
export { loginUrl } from './login-url';
export { dropServiceRoles, serviceRoleName, setUpServiceRoles } from './service-roles';
export type { ServiceRolesSetup, ServiceSchema } from './service-roles';
export { removeBrokerUsers, setUpBroker, setUpTopology } from './set-up-broker';
export { setUpServiceLogins } from './set-up-service-logins';
export type { ServiceLogins, ServiceLoginsSetup } from './set-up-service-logins';
export type { BrokerSetup, TopologySetup } from './set-up-broker';
export { TopologyMissingError } from './topology-missing-error';
