import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { namespaced } from '@saga/contracts';
import { provisionTestInfrastructure } from './provision-test-infrastructure';
import { rabbitmqctl } from './rabbitmqctl';
import { testImages } from './test-servers';

const compose = readFileSync(join(__dirname, '..', '..', '..', 'docker-compose.yml'), 'utf8');

// The `image:` of a top-level service of docker-compose.yml (two spaces in, its keys four).
function composeImage(service: string): string | undefined {
  const lines = compose.split('\n');
  const start = lines.indexOf(`  ${service}:`);
  if (start < 0) return undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^ {0,2}\S/.test(line)) return undefined;
    const image = /^ {4}image:\s*(\S+)\s*$/.exec(line);
    if (image) return image[1];
  }
  return undefined;
}

describe('the test servers', () => {
  it.each(Object.entries(testImages))('run %s from the image docker-compose.yml runs it from', (service, image) => {
    expect(composeImage(service)).toBe(image);
  });

  it('run rabbitmqctl on the broker the tests use, local or in its container', async () => {
    const infrastructure = await provisionTestInfrastructure();
    try {
      const users = await rabbitmqctl(['list_users', '--quiet', '--no-table-headers']);
      expect(users).toContain(namespaced(infrastructure.namespace, 'test'));
    } finally {
      await infrastructure.teardown();
    }
  });
});
