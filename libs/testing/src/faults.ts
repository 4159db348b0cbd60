import { Client } from 'pg';
import { rabbitmqctl } from './rabbitmqctl';

/**
 * Has the broker drop a client's connection, as it does on a node restart or a network partition.
 * Finds the connection by the name the client gave it; needs rabbitmqctl (a local broker, or docker
 * exec into the tests' broker container).
 */
export async function forceCloseBrokerConnection(connectionName: string): Promise<void> {
  const stdout = await rabbitmqctl(['list_connections', 'pid', 'client_properties', '--quiet', '--no-table-headers']);
  const lines = stdout.split('\n').filter((l) => l.includes(`{"connection_name","${connectionName}"}`));
  if (lines.length === 0) throw new Error(`no broker connection named ${connectionName}`);
  for (const line of lines) await rabbitmqctl(['close_connection', line.split('\t')[0], 'forced by a test']);
}

/**
 * Restarts the broker as an operator's rolling restart of a node would: stops the RabbitMQ application
 * (every client connection drops, new ones are refused), waits `downMs`, starts it again and resolves
 * once it accepts connections. Durable queues and their persistent messages survive. It restarts the
 * whole broker, for every namespace on it; needs rabbitmqctl (a local broker, or docker exec into the
 * tests' broker container).
 */
export async function restartBroker({ downMs = 0 }: { downMs?: number } = {}): Promise<void> {
  await rabbitmqctl(['stop_app']);
  try {
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
  } finally {
    await rabbitmqctl(['start_app']);
    await rabbitmqctl(['await_startup']);
  }
}

/**
 * Takes a database away from its clients, or gives it back: while refused, every open connection is
 * terminated and new ones are turned away, as in an outage of that database.
 */
export async function setDatabaseReachable(databaseUrl: string, reachable: boolean): Promise<void> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE "${database.replace(/"/g, '""')}" ALLOW_CONNECTIONS ${reachable}`);
    if (!reachable) {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      );
    }
  } finally {
    await admin.end();
  }
}
