import { serviceSchemas, ServiceName } from '@saga/contracts';
import type { QueueFailureOptions } from './broker-topology';
import { setUpServiceRoles } from './service-roles';
import { setUpBroker } from './set-up-broker';

/** The broker and database logins of one service. */
export interface ServiceLogins {
  readonly amqpUrl: string;
  readonly databaseUrl: string;
}

/** What setting up every service's logins needs: administrators of both servers. */
export interface ServiceLoginsSetup {
  readonly adminAmqpUrl: string;
  readonly managementUrl?: string;
  /** A superuser's URL of the database the services share. */
  readonly adminDatabaseUrl: string;
  readonly namespace: string;
  readonly failureOptions: QueueFailureOptions;
  passwordFor(service: ServiceName): string;
}

/**
 * What npm start and the tests set up before the services start: the namespace's topology, one broker
 * user and one database role per service. Returns each service's logins.
 */
export async function setUpServiceLogins(setup: ServiceLoginsSetup): Promise<Record<ServiceName, ServiceLogins>> {
  const amqpUrls = await setUpBroker({
    adminUrl: setup.adminAmqpUrl,
    managementUrl: setup.managementUrl,
    namespace: setup.namespace,
    failureOptions: setup.failureOptions,
    passwordFor: setup.passwordFor,
  });
  const databaseUrls = await setUpServiceRoles({
    adminUrl: setup.adminDatabaseUrl,
    services: Object.values(ServiceName).map((service) => ({ service, schema: serviceSchemas[service] })),
    passwordFor: (service) => setup.passwordFor(service as ServiceName),
  });
  return Object.fromEntries(
    Object.values(ServiceName).map((service) => [
      service,
      { amqpUrl: amqpUrls[service], databaseUrl: databaseUrls[service] },
    ]),
  ) as Record<ServiceName, ServiceLogins>;
}
