#!/usr/bin/env node
// npm run broker-definitions: writes docker/rabbitmq/definitions.json, which the compose broker loads at
// boot. It holds the `shop` namespace's whole topology, derived from the code setup declares it with
// (systemTopology: every exchange, work queue, `.dlq`, retry queue and binding, with their arguments),
// one user per service with exactly the rights brokerPermissions gives it (as npm start sets them up), an
// administrator for the management UI, and no guest. Every limit is a queue argument, so there are no
// policies. The passwords are the compose stack's development ones (docker-compose.yml has them in each
// app's AMQP_URL); a production broker gets its own. libs/provisioning's definitions specs check the file
// against the code and against what setup declares on a live broker.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';

const require = createRequire(import.meta.url);
const { brokerUserName, ServiceName } = require('../libs/contracts/dist/index.js');
const {
  brokerPermissions,
  defaultDeliveryLimit,
  systemTopology,
  topologyDefinitions,
} = require('../libs/provisioning/dist/index.js');
const { defaultBrokerRetryPolicy } = require('../libs/retry/dist/index.js');

const namespace = 'shop';
/** The compose stack's development password of a service's broker user (and database role, in init.sql). */
const composePasswordFor = (service) => `${service}-dev`;
const vhost = '/';
// What the compose apps run with: the default delivery limit, one retry queue per default retry delay.
const failureOptions = { deliveryLimit: defaultDeliveryLimit, retries: defaultBrokerRetryPolicy.delaysMs.length };

// RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)), a 4-byte salt.
// The salt derives from the user's name, so regenerating the file changes only what the code changed.
function passwordHash(name, password) {
  const salt = createHash('sha256').update(name).digest().subarray(0, 4);
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
    password_hash: passwordHash(name, password),
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
  ...topologyDefinitions(systemTopology(namespace, failureOptions), vhost),
};

const file = fileURLToPath(new URL('../docker/rabbitmq/definitions.json', import.meta.url));
// Formatted as the repository's prettier settings want it, so `npm run format:check` passes on it.
const options = await prettier.resolveConfig(file);
writeFileSync(file, await prettier.format(JSON.stringify(definitions), { ...options, filepath: file }));
console.log(`wrote ${file}`);
