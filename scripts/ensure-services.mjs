#!/usr/bin/env node
// Makes sure PostgreSQL and RabbitMQ accept connections before tests or apps start: checks the hosts and
// ports of DATABASE_URL / AMQP_URL (default 127.0.0.1:5432 and 127.0.0.1:5672), starts a local service
// that is down, waits up to 60 s (ENSURE_SERVICES_TIMEOUT_MS), and exits 1 naming what is still down and how to
// start it. RabbitMQ's management API (port 15672, or RABBITMQ_MANAGEMENT_URL) must answer too: the services'
// broker users are created through it. On a local broker this enables the plugin.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);
const timeoutMs = Number(process.env.ENSURE_SERVICES_TIMEOUT_MS ?? 60_000);
const deadline = Date.now() + timeoutMs;
const localHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const services = [
  {
    name: 'PostgreSQL',
    variable: 'DATABASE_URL',
    ...endpoint(process.env.DATABASE_URL, 5432),
    start: startPostgres,
    ready: async () => true,
    hint: 'pg_ctlcluster --skip-systemctl-redirect <version> main start (or docker compose up -d postgres)',
  },
  {
    name: 'RabbitMQ',
    variable: 'AMQP_URL',
    ...endpoint(process.env.AMQP_URL, process.env.AMQP_URL?.startsWith('amqps:') ? 5671 : 5672),
    start: startRabbitMq,
    // The port opens before every plugin and vhost is up; await_startup returns once the node is fully booted.
    ready: () => succeeds('rabbitmqctl', ['await_startup', '--timeout', String(secondsLeft())]),
    hint: 'rabbitmq-server -detached (or docker compose up -d rabbitmq)',
  },
];

function endpoint(url, defaultPort) {
  if (!url) return { host: '127.0.0.1', port: defaultPort };
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || defaultPort) };
}

function secondsLeft() {
  return Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
}

function accepts(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    const done = (up) => {
      socket.destroy();
      resolve(up);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

async function succeeds(command, args) {
  try {
    await run(command, args, { timeout: deadline - Date.now() + 1000 });
    return true;
  } catch {
    return false;
  }
}

async function startPostgres() {
  // The newest installed major version, should an upgrade leave two side by side.
  const versions = readdirSync('/etc/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no cluster under /etc/postgresql');
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start']);
}

async function startRabbitMq() {
  await run('rabbitmq-server', ['-detached']);
}

async function ensure(service) {
  const where = `${service.host}:${service.port}`;
  if (await accepts(service.host, service.port)) return { ...service, up: true, where };
  const local = localHosts.has(service.host);
  let startError;
  if (local) {
    console.log(`${service.name} is down at ${where}; starting it`);
    try {
      await service.start();
    } catch (error) {
      startError = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
  }
  while (Date.now() < deadline) {
    if (await accepts(service.host, service.port)) {
      const ready = !local || (await service.ready());
      if (ready) {
        console.log(`${service.name} is up at ${where}`);
        return { ...service, up: true, where };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { ...service, up: false, where, local, startError };
}

async function ensureManagementApi(broker) {
  const url = process.env.RABBITMQ_MANAGEMENT_URL;
  const api = url ? endpoint(url, 15672) : { host: broker.host, port: 15672 };
  const where = `${api.host}:${api.port}`;
  const local = !url && localHosts.has(broker.host);
  let startError;
  if (local && !(await accepts(api.host, api.port))) {
    try {
      await run('rabbitmq-plugins', ['enable', '--quiet', 'rabbitmq_management']);
    } catch (error) {
      startError = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
  }
  while (Date.now() < deadline) {
    if (await accepts(api.host, api.port)) return { up: true, where };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    name: "RabbitMQ's management API",
    variable: 'RABBITMQ_MANAGEMENT_URL',
    hint: 'rabbitmq-plugins enable rabbitmq_management',
    up: false,
    where,
    local,
    startError,
  };
}

const results = await Promise.all(services.map(ensure));
const broker = results.find((result) => result.name === 'RabbitMQ');
if (broker.up) results.push(await ensureManagementApi(broker));
const down = results.filter((result) => !result.up);
if (down.length > 0) {
  for (const service of down) {
    const tried = service.startError ? ` (starting it failed: ${service.startError})` : '';
    const fix = service.local
      ? `start it with: ${service.hint}`
      : `check that ${service.variable} points at a running server`;
    console.error(
      `${service.name} is not accepting connections at ${service.where} after ${timeoutMs / 1000} s${tried}; ${fix}.`,
    );
  }
  process.exit(1);
}
