import { brokerUserName, ServiceName } from '@saga/contracts';
import amqplib from 'amqplib';
import { declareTopology, systemTopology, type QueueFailureOptions } from './broker-topology';
import { loginUrl } from './login-url';
import { brokerPermissions } from './broker-permissions';
import { deleteUser, listUsers, managementApiFor, putPermissions, putUser } from './management-api';

/** What declaring a namespace's topology needs: an administrator, the namespace and its queues' failure options. */
export interface TopologySetup {
  /** An administrator's AMQP URL; the topology goes into its vhost. */
  readonly adminUrl: string;
  readonly namespace: string;
  /** The delivery limit and retry queues every work queue gets. */
  readonly failureOptions: QueueFailureOptions;
}

/** What setting up a namespace on the broker needs. */
export interface BrokerSetup extends TopologySetup {
  /** The management API, when not on port 15672 of the AMQP host. */
  readonly managementUrl?: string;
  /** The password each service's broker user gets. */
  passwordFor(service: ServiceName): string;
}

/** Declares a namespace's whole topology (systemTopology) on the broker as an administrator. Idempotent. */
export async function setUpTopology(setup: TopologySetup): Promise<void> {
  const connection = await amqplib.connect(setup.adminUrl);
  try {
    const channel = await connection.createChannel();
    await declareTopology(channel, systemTopology(setup.namespace, setup.failureOptions));
  } finally {
    await connection.close();
  }
}

/**
 * Sets up a namespace on the broker, as npm start and the tests do and definitions.json does in compose:
 * declares every exchange and work queue (with retry queues, `.dlq` and bindings), then gives each service
 * its own user with only the rights brokerPermissions names. Idempotent; returns each service's AMQP URL.
 */
export async function setUpBroker(setup: BrokerSetup): Promise<Record<ServiceName, string>> {
  await setUpTopology(setup);
  const api = managementApiFor(setup.adminUrl, setup.managementUrl);
  const urls = {} as Record<ServiceName, string>;
  for (const service of Object.values(ServiceName)) {
    const name = brokerUserName(setup.namespace, service);
    const password = setup.passwordFor(service);
    await putUser(api, { name, password });
    await putPermissions(api, name, brokerPermissions(setup.namespace, service));
    urls[service] = loginUrl(setup.adminUrl, name, password);
  }
  return urls;
}

/** Deletes every broker user of the namespace (`<namespace>.*`), as a test's teardown does. */
export async function removeBrokerUsers(adminUrl: string, namespace: string, managementUrl?: string): Promise<void> {
  const api = managementApiFor(adminUrl, managementUrl);
  for (const user of await listUsers(api)) {
    if (user.startsWith(`${namespace}.`)) await deleteUser(api, user);
  }
}
