import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rabbitmqContainerVariable } from './test-servers';

const run = promisify(execFile);

/**
 * Runs rabbitmqctl on the tests' broker and resolves with what it printed: inside the broker's container
 * (`docker exec`) where the tests run RabbitMQ in one (TEST_RABBITMQ_CONTAINER), else the local one.
 */
export async function rabbitmqctl(args: readonly string[]): Promise<string> {
  const container = process.env[rabbitmqContainerVariable];
  const { stdout } = container
    ? await run('docker', ['exec', container, 'rabbitmqctl', ...args])
    : await run('rabbitmqctl', [...args]);
  return stdout;
}
