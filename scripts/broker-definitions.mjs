#!/usr/bin/env node
// npm run broker-definitions: writes docker/rabbitmq/definitions.json, which the compose broker loads at
// boot: one user per service of the `shop` namespace with exactly the rights brokerPermissions gives it
// (as npm start sets them up), an administrator for the management UI, and no guest. The passwords are
// the compose stack's development ones (docker-compose.yml has them in each app's AMQP_URL); a
// production broker gets its own. libs/provisioning's definitions spec checks the file against the code.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { brokerUserName, ServiceName } = require('../libs/contracts/dist/index.js');
const { brokerPermissions } = require('../libs/provisioning/dist/index.js');

const namespace = 'shop';
/** The compose stack's development password of a service's broker user (and database role, in init.sql). */
const composePasswordFor = (service) => `${service}-dev`;
const vhost = '/';

// RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)), a 4-byte salt.
function passwordHash(password) {
  const salt = randomBytes(4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password)]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

const admin = { name: 'admin', password: 'admin', tags: ['administrator'] };
const services = Object.values(ServiceName).map((service) => ({
  name: brokerUserName(namespace, service),
  password: composePasswordFor(service),
  permissions: brokerPermissions(namespace, service),
}));

const definitions = {
  rabbit_version: '3.10.8',
  users: [admin, ...services].map(({ name, password, tags = [] }) => ({
    name,
    password_hash: passwordHash(password),
    hashing_algorithm: 'rabbit_password_hashing_sha256',
    tags,
  })),
  vhosts: [{ name: vhost }],
  permissions: [
    { user: admin.name, vhost, configure: '.*', write: '.*', read: '.*' },
    ...services.map(({ name, permissions }) => ({ user: name, vhost, ...permissions })),
  ],
  parameters: [],
  policies: [],
  exchanges: [],
  queues: [],
  bindings: [],
};

const file = fileURLToPath(new URL('../docker/rabbitmq/definitions.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(definitions, null, 2)}\n`);
console.log(`wrote ${file}`);
