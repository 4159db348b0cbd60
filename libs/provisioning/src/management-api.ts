/** How to reach RabbitMQ's management HTTP API, and as whom. */
export interface ManagementApi {
  /** e.g. http://127.0.0.1:15672 */
  readonly baseUrl: string;
  readonly vhost: string;
  readonly authorization: string;
}

/** A broker user's rights: regular expressions over the names of exchanges and queues. */
export interface Permissions {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
}

const requestTimeoutMs = 10_000;

/**
 * The management API of the broker an AMQP URL points at, logged in as that URL's user (an
 * administrator). It listens on port 15672 of the same host unless managementUrl says otherwise.
 */
export function managementApiFor(amqpUrl: string, managementUrl?: string): ManagementApi {
  const amqp = new URL(amqpUrl);
  const user = decodeURIComponent(amqp.username || 'guest');
  const password = decodeURIComponent(amqp.password || 'guest');
  const base = managementUrl ? new URL(managementUrl) : new URL(`http://${amqp.hostname}:15672`);
  const vhost = amqp.pathname.length > 1 ? decodeURIComponent(amqp.pathname.slice(1)) : '/';
  return {
    baseUrl: base.origin,
    vhost,
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  };
}

async function call(api: ManagementApi, method: string, path: string, body?: unknown): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${api.baseUrl}/api/${path}`, {
      method,
      headers: { authorization: api.authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (error) {
    throw new Error(
      `RabbitMQ's management API is not reachable at ${api.baseUrl} (${(error as Error).message}); ` +
        'enable it with `rabbitmq-plugins enable rabbitmq_management`',
      { cause: error },
    );
  }
  if (!response.ok && !(method === 'DELETE' && response.status === 404)) {
    throw new Error(
      `RabbitMQ management API: ${method} /api/${path} answered ${response.status} ${await response.text()}`,
    );
  }
  return response;
}

/** Creates the user or sets its password and tags (comma-separated, '' for none). */
export async function putUser(
  api: ManagementApi,
  user: { name: string; password: string; tags?: string },
): Promise<void> {
  await call(api, 'PUT', `users/${encodeURIComponent(user.name)}`, { password: user.password, tags: user.tags ?? '' });
}

/** Sets what the user may configure, write and read on the API's vhost. */
export async function putPermissions(api: ManagementApi, user: string, permissions: Permissions): Promise<void> {
  await call(api, 'PUT', `permissions/${encodeURIComponent(api.vhost)}/${encodeURIComponent(user)}`, permissions);
}

/** Deletes the user (and its permissions); a user that does not exist is no error. */
export async function deleteUser(api: ManagementApi, user: string): Promise<void> {
  await call(api, 'DELETE', `users/${encodeURIComponent(user)}`);
}

/** The names of every user on the broker. */
export async function listUsers(api: ManagementApi): Promise<string[]> {
  const users = (await (await call(api, 'GET', 'users')).json()) as { name: string }[];
  return users.map((user) => user.name);
}

/** Creates the API's vhost (an existing one is kept); RabbitMQ gives the creating user every right on it. */
export async function putVhost(api: ManagementApi): Promise<void> {
  await call(api, 'PUT', `vhosts/${encodeURIComponent(api.vhost)}`, {});
}

/** Deletes the API's vhost with everything in it; a vhost that does not exist is no error. */
export async function deleteVhost(api: ManagementApi): Promise<void> {
  await call(api, 'DELETE', `vhosts/${encodeURIComponent(api.vhost)}`);
}

/** Imports definitions as the broker loads them at boot (users, vhosts, permissions, topology; each names its vhost). */
export async function importDefinitions(api: ManagementApi, definitions: object): Promise<void> {
  await call(api, 'POST', 'definitions', definitions);
}

/** What the management API lists per vhost. */
export type VhostListing = 'exchanges' | 'queues' | 'bindings' | 'policies' | 'permissions';

/** Every exchange, queue, binding, policy or user's permissions of the API's vhost, as the management API lists them. */
export async function listInVhost(api: ManagementApi, listing: VhostListing): Promise<Record<string, unknown>[]> {
  const vhost = encodeURIComponent(api.vhost);
  const path = listing === 'permissions' ? `vhosts/${vhost}/permissions` : `${listing}/${vhost}`;
  return (await (await call(api, 'GET', path)).json()) as Record<string, unknown>[];
}
