#!/usr/bin/env node
// npm start: the whole system on this machine. Starts local PostgreSQL and RabbitMQ if they are down (or,
// where they are not installed but Docker is, docker-compose.yml's postgres and rabbitmq), creates the
// database, loads the demo data, starts every app (the mail sink, where the e-mail goes, among them) and
// prints where each one listens.
// Ctrl-C stops every app gracefully.
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { composeServers, ensureServices } from './ensure-services.mjs';

const require = createRequire(import.meta.url);
const { AppLaunchError, launchSystem, otherPorts, systemApps } = require('../libs/launcher/dist/index.js');

await refuseTakenPorts();
const { fromCompose } = await ensureServices({ fallback: 'compose' });
// Compose's servers know only their own administrators (docker-compose.yml, definitions.json). local-system
// reads DATABASE_URL and AMQP_URL as it loads, hence the import after this.
if (fromCompose.includes('PostgreSQL')) process.env.DATABASE_URL = composeServers.databaseUrl;
if (fromCompose.includes('RabbitMQ')) process.env.AMQP_URL = composeServers.amqpUrl;
const { composePassword, ensureDatabase, localEnv, seed, setUpServiceLogins } = await import('./local-system.mjs');
await ensureDatabase();
const logins = await setUpServiceLogins(fromCompose.length > 0 ? composePassword : undefined);
seed(logins);

const width = Math.max(...Object.keys(systemApps).map((name) => name.length));
const system = await launchSystem({
  env: { ...localEnv, LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty' },
  appEnv: logins,
  ports: 'default',
  onLine: (app, line) => console.log(`${app.padEnd(width)} | ${line}`),
}).catch((error) => {
  // Every app that started is stopped again by launchSystem; say which one failed, and why, in one line.
  if (!(error instanceof AppLaunchError)) throw error;
  console.error(
    `\nThe system did not start: ${error.message.split('\n')[0]}. Its log is above; nothing is left running.`,
  );
  process.exit(1);
});

console.log('\nThe system is up:');
for (const name of Object.keys(systemApps)) {
  const smtp = name === 'mail-sink' ? ` (SMTP ${system.smtpUrl.replace('smtp://', '')})` : '';
  console.log(`  ${name.padEnd(width)}  ${system.url(name)}${smtp}`);
}
const uiLogin = fromCompose.includes('RabbitMQ') ? 'admin/admin' : 'guest/guest';
console.log(`  ${'rabbitmq ui'.padEnd(width)}  http://127.0.0.1:15672 (${uiLogin})`);
console.log(`\nTry: curl -s ${system.url('inventory-worker')}/products\nCtrl-C stops everything.\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping every app...');
    await system.stop();
    process.exit(0);
  });
}

/**
 * Stops before anything starts when another process holds one of an app's ports: its /readyz would answer
 * for ours, or its SMTP server take our mail.
 */
async function refuseTakenPorts() {
  const taken = [];
  const ports = Object.entries(systemApps).flatMap(([name, port]) => [
    [name, port],
    ...Object.entries(otherPorts[name] ?? {}).map(([variable, other]) => [`${name} ${variable}`, other]),
  ]);
  for (const [name, port] of ports) {
    const free = await new Promise((resolve) => {
      const probe = createServer()
        .once('error', () => resolve(false))
        .once('listening', () => probe.close(() => resolve(true)));
      probe.listen(port, '127.0.0.1');
    });
    if (!free) taken.push(`${port} (${name})`);
  }
  if (taken.length === 0) return;
  console.error(
    `Port ${taken.join(', ')} ${taken.length === 1 ? 'is' : 'are'} taken by another process (an earlier npm start?). ` +
      'Stop it and run npm start again.',
  );
  process.exit(1);
}
