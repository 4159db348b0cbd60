import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceName, brokerUserName } from '@saga/contracts';
import { defaultBrokerRetryPolicy } from '@saga/retry';
import { topologyDefinitions, type TopologyDefinitions } from './broker-definitions';
import { brokerPermissions } from './broker-permissions';
import { defaultDeliveryLimit, systemTopology } from './broker-topology';
import {
  deleteUser,
  deleteVhost,
  importDefinitions,
  listInVhost,
  listUsers,
  managementApiFor,
  putVhost,
  type ManagementApi,
  type VhostListing,
} from './management-api';
import { setUpTopology } from './set-up-broker';

interface Definitions extends TopologyDefinitions {
  users: { name: string }[];
  vhosts: { name: string }[];
  permissions: { user: string; vhost: string; configure: string; write: string; read: string }[];
  policies: { vhost: string }[];
  parameters: unknown[];
}

const file = join(__dirname, '..', '..', '..', 'docker', 'rabbitmq', 'definitions.json');
const definitions = JSON.parse(readFileSync(file, 'utf8')) as Definitions;
const namespace = 'shop';
// What the compose apps run with, as npm run broker-definitions writes it.
const failureOptions = { deliveryLimit: defaultDeliveryLimit, retries: defaultBrokerRetryPolicy.delaysMs.length };
const stale = 'docker/rabbitmq/definitions.json is stale: run npm run broker-definitions';

// The same broker as the other specs: AMQP_URL (an administrator) and RABBITMQ_MANAGEMENT_URL, else local.
const adminUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const managementUrl = process.env.RABBITMQ_MANAGEMENT_URL;

/** The administrator's AMQP URL on another vhost. */
function onVhost(vhost: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return url.toString();
}

const run = `defs-${randomBytes(4).toString('hex')}`;
const fileVhost = managementApiFor(onVhost(`${run}-file`), managementUrl);
const codeVhost = managementApiFor(onVhost(`${run}-code`), managementUrl);
const importedUser = (name: string) => `${run}.${name}`;

// The whole file as compose loads it, moved to the file's vhost; its users renamed for this run, since
// users are broker-wide and the real `shop.*` ones may be logged in.
function rewritten(vhost: string): object {
  const onIt = <T extends { vhost: string }>(items: readonly T[]) => items.map((item) => ({ ...item, vhost }));
  return {
    ...definitions,
    users: definitions.users.map((user) => ({ ...user, name: importedUser(user.name) })),
    vhosts: [{ name: vhost }],
    permissions: onIt(definitions.permissions).map((p) => ({ ...p, user: importedUser(p.user) })),
    exchanges: onIt(definitions.exchanges),
    queues: onIt(definitions.queues),
    bindings: onIt(definitions.bindings),
    policies: onIt(definitions.policies),
  };
}

/** What the management API lists on a vhost, only the given fields, in a stable order. */
async function listed(api: ManagementApi, listing: VhostListing, fields: readonly string[]): Promise<unknown[]> {
  const items = await listInVhost(api, listing);
  return items
    .map((item) => Object.fromEntries(fields.map((field) => [field, item[field]])))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

// A difference means the code changed since the file was written; the message says how to fix it.
function expectFresh(actual: unknown, expected: unknown): void {
  try {
    expect(actual).toEqual(expected);
  } catch (error) {
    if (error instanceof Error) error.message = `${stale}\n\n${error.message}`;
    throw error;
  }
}

describe('definitions.json, the compose broker’s topology and users (npm run broker-definitions)', () => {
  it('holds on vhost / what systemTopology declares for the shop namespace, and no policy', () => {
    const { exchanges, queues, bindings, policies } = definitions;
    expectFresh(
      { exchanges, queues, bindings, policies },
      { ...topologyDefinitions(systemTopology(namespace, failureOptions), '/'), policies: [] },
    );
    expect(definitions.vhosts).toEqual([{ name: '/' }]);
    expect(definitions.permissions.every((p) => p.vhost === '/')).toBe(true);
  });

  describe('imported into a fresh vhost, next to one the real setup declared', () => {
    beforeAll(async () => {
      // Unreachable, this throws saying how to enable the management plugin: the spec fails, never skips.
      await putVhost(fileVhost);
      await putVhost(codeVhost);
      await importDefinitions(fileVhost, rewritten(fileVhost.vhost));
      await setUpTopology({ adminUrl: onVhost(codeVhost.vhost), namespace, failureOptions });
    }, 120_000);

    afterAll(async () => {
      await deleteVhost(fileVhost);
      await deleteVhost(codeVhost);
      for (const user of await listUsers(fileVhost)) if (user.startsWith(`${run}.`)) await deleteUser(fileVhost, user);
    }, 60_000);

    it.each<['exchanges' | 'queues' | 'bindings', string[]]>([
      ['exchanges', ['name', 'type', 'durable', 'auto_delete', 'internal', 'arguments']],
      ['queues', ['name', 'type', 'durable', 'auto_delete', 'exclusive', 'arguments']],
      ['bindings', ['source', 'destination', 'destination_type', 'routing_key', 'arguments']],
    ])('has the same %s as setup declares for the shop namespace', async (listing, fields) => {
      const fromFile = await listed(fileVhost, listing, fields);
      // Besides the file's own: the default exchanges every vhost has, and each queue's default binding.
      expect(fromFile.length).toBeGreaterThanOrEqual(definitions[listing].length);
      expectFresh(fromFile, await listed(codeVhost, listing, fields));
    });

    it('has the same policies as setup makes: none', async () => {
      const fields = ['name', 'pattern', 'apply-to', 'definition', 'priority'];
      expectFresh(await listed(fileVhost, 'policies', fields), await listed(codeVhost, 'policies', fields));
    });

    it('gives each service’s user the rights brokerPermissions gives it, and the administrator every right', async () => {
      const granted = Object.fromEntries(
        (await listed(fileVhost, 'permissions', ['user', 'configure', 'write', 'read']))
          .map((entry) => entry as { user: string; configure: string; write: string; read: string })
          .filter(({ user }) => user.startsWith(`${run}.`))
          .map(({ user, ...rights }) => [user.slice(run.length + 1), rights]),
      );
      expectFresh(granted, {
        admin: { configure: '.*', write: '.*', read: '.*' },
        ...Object.fromEntries(
          Object.values(ServiceName).map((service) => [
            brokerUserName(namespace, service),
            brokerPermissions(namespace, service),
          ]),
        ),
      });
    });
  });
});
