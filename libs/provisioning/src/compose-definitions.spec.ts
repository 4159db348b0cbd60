import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerUserName, serviceSchemas, ServiceName } from '@saga/contracts';
import { brokerPermissions } from './broker-permissions';
import { serviceRoleName } from './service-roles';

const root = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Definitions {
  users: { name: string; password_hash: string; hashing_algorithm: string; tags: string[] }[];
  permissions: { user: string; vhost: string; configure: string; write: string; read: string }[];
}

// rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)) with a 4-byte salt.
function hashMatches(hash: string, password: string): boolean {
  const bytes = Buffer.from(hash, 'base64');
  const salt = bytes.subarray(0, 4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password)]))
    .digest();
  return digest.equals(bytes.subarray(4));
}

describe('the compose stack’s broker users and database roles (npm run broker-definitions)', () => {
  const definitions = JSON.parse(read('docker/rabbitmq/definitions.json')) as Definitions;
  const compose = read('docker-compose.yml');
  const initSql = read('docker/postgres/init.sql');

  it('is what the compose broker loads at boot', () => {
    expect(read('docker/rabbitmq/rabbitmq.conf')).toMatch(/^load_definitions = \/etc\/rabbitmq\/definitions\.json$/m);
    expect(compose).toContain('./docker/rabbitmq/definitions.json:/etc/rabbitmq/definitions.json:ro');
  });

  it('has no guest, and one administrator for the management UI', () => {
    expect(definitions.users.map((u) => u.name)).not.toContain('guest');
    expect(definitions.users.filter((u) => u.tags.includes('administrator')).map((u) => u.name)).toEqual(['admin']);
  });

  it.each(Object.values(ServiceName))(
    'gives %s the rights the code gives it, and the password compose logs in with',
    (service) => {
      const name = brokerUserName('shop', service);
      const user = definitions.users.find((u) => u.name === name);
      expect(user).toMatchObject({ hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] });
      expect(hashMatches(user!.password_hash, `${service}-dev`)).toBe(true);
      const { user: _user, vhost, ...rights } = definitions.permissions.find((p) => p.user === name)!;
      expect(vhost).toBe('/');
      expect(rights).toEqual(brokerPermissions('shop', service));
      expect(compose).toContain(`AMQP_URL: amqp://${name}:${service}-dev@rabbitmq:5672`);

      const role = serviceRoleName('saga', serviceSchemas[service]);
      expect(initSql).toContain(`CREATE ROLE ${role} LOGIN PASSWORD '${service}-dev';`);
      expect(initSql).toContain(`CREATE SCHEMA ${serviceSchemas[service]} AUTHORIZATION ${role};`);
    },
  );

  it('gives each app its own database role in compose', () => {
    for (const service of [ServiceName.OrderApi, ServiceName.OrderSaga]) {
      const role = serviceRoleName('saga', serviceSchemas[service]);
      expect(compose).toContain(`DATABASE_URL: postgres://${role}:${service}-dev@postgres:5432/saga`);
    }
  });
});
