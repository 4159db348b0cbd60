#!/usr/bin/env node
// Makes sure PostgreSQL and RabbitMQ accept connections before tests or apps start: checks the hosts and
// ports of DATABASE_URL / AMQP_URL (default 127.0.0.1:5432 and 127.0.0.1:5672), starts a local service
// that is down, waits up to 60 s (ENSURE_SERVICES_TIMEOUT_MS), and exits 1 naming, in one line, what is
// still down and what to install or start. RabbitMQ's management API (port 15672, or
// RABBITMQ_MANAGEMENT_URL) must answer too: the services' broker users are created through it. On a local
// broker this enables the plugin.
// A service that is neither running nor startable here (not installed) can come from Docker instead:
// npm start runs it from docker-compose.yml (fallback 'compose'), npm test in a testcontainers container
// (fallback 'containers', which run-tests.mjs starts). Only where its variable is unset: a URL someone
// chose is not replaced. Run directly, this script starts local services only.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const localHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
// A start command that failed may have lost a race with another start: give the port this long to open.
const failedStartGraceMs = 5000;

/** The administrators of docker-compose.yml's postgres and rabbitmq, as they publish them on this machine. */
export const composeServers = {
  databaseUrl: 'postgres://saga:saga@127.0.0.1:5432/saga',
  amqpUrl: 'amqp://admin:admin@127.0.0.1:5672',
  managementUrl: 'http://127.0.0.1:15672',
};

/** @typedef {'none' | 'compose' | 'containers'} Fallback */

/**
 * Brings PostgreSQL and RabbitMQ up as the header says, or prints one line and exits 1. Resolves with
 * the services compose started (`fromCompose`) and those the tests must run in containers
 * (`inContainers`), by name ('PostgreSQL', 'RabbitMQ').
 * @param {{ fallback?: Fallback }} [options]
 * @returns {Promise<{ fromCompose: string[], inContainers: string[] }>}
 */
export async function ensureServices({ fallback = 'none' } = {}) {
  const timeoutMs = Number(process.env.ENSURE_SERVICES_TIMEOUT_MS ?? 60_000);
  const deadline = Date.now() + timeoutMs;
  const results = await Promise.all(serviceSpecs(deadline).map((service) => ensureLocal(service, deadline)));
  const standIns = results.filter((result) => result.status === 'unstartable' && !result.configured);
  const served = { fromCompose: [], inContainers: [] };
  let docker = 'unasked';
  if (standIns.length > 0 && fallback !== 'none') {
    const compose = fallback === 'compose' ? composeCommand() : undefined;
    if (!(await dockerEngineAnswers())) docker = 'absent';
    else if (fallback === 'compose' && !compose) docker = 'no-compose';
    else docker = 'ready';
    const names = standIns.map((service) => service.name);
    if (docker === 'ready' && fallback === 'containers') {
      console.log(`${describe(names)} not running here and cannot be started: the tests run them in containers`);
      for (const service of standIns) service.status = 'up';
      served.inContainers = names;
    } else if (docker === 'ready') {
      await composeUp(compose, standIns, timeoutMs);
      served.fromCompose = names;
    }
  }
  const broker = results.find((result) => result.name === 'RabbitMQ');
  // A broker in a container has its management API checked where it starts: composeUp, testcontainers.
  if (
    broker.status === 'up' &&
    !served.inContainers.includes(broker.name) &&
    !served.fromCompose.includes(broker.name)
  ) {
    const api = await ensureManagementApi(broker, deadline);
    if (api) results.push(api);
  }
  const down = results.filter((result) => result.status !== 'up');
  if (down.length > 0) {
    console.error(failureLine(down, { timeoutMs, fallback, docker }));
    process.exit(1);
  }
  return served;
}

function serviceSpecs(deadline) {
  return [
    {
      name: 'PostgreSQL',
      install: 'PostgreSQL 15',
      variable: 'DATABASE_URL',
      compose: 'postgres',
      ...endpoint(process.env.DATABASE_URL, 5432),
      installed: () => postgresVersions().length > 0,
      start: startPostgres,
      ready: async () => true,
      hint: 'pg_ctlcluster --skip-systemctl-redirect <version> main start',
    },
    {
      name: 'RabbitMQ',
      install: 'RabbitMQ 3.10',
      variable: 'AMQP_URL',
      compose: 'rabbitmq',
      ...endpoint(process.env.AMQP_URL, process.env.AMQP_URL?.startsWith('amqps:') ? 5671 : 5672),
      installed: () => onPath('rabbitmq-server'),
      start: startRabbitMq,
      // The port opens before every plugin and vhost is up; await_startup returns once the node is fully booted.
      ready: () => succeeds('rabbitmqctl', ['await_startup', '--timeout', String(secondsLeft(deadline))], deadline),
      hint: 'rabbitmq-server -detached',
    },
  ];
}

function endpoint(url, defaultPort) {
  if (!url) return { host: '127.0.0.1', port: defaultPort, configured: false };
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || defaultPort), configured: true };
}

function secondsLeft(deadline) {
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

async function succeeds(command, args, deadline) {
  try {
    await run(command, args, { timeout: deadline - Date.now() + 1000 });
    return true;
  } catch {
    return false;
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 500));

// What a failed command said last (its output, else "Command failed: <command line>"), or the error itself.
function lastLine(error) {
  const said = [error?.stderr, error?.stdout, error instanceof Error ? error.message : String(error)];
  return said
    .find((text) => typeof text === 'string' && text.trim())
    ?.trim()
    .split('\n')
    .at(-1);
}

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

// The installed major versions, newest first, should an upgrade leave two side by side.
function postgresVersions() {
  if (!existsSync('/etc/postgresql') || !onPath('pg_ctlcluster')) return [];
  return readdirSync('/etc/postgresql').sort((a, b) => Number(b) - Number(a));
}

async function startPostgres() {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', postgresVersions()[0], 'main', 'start']);
}

async function startRabbitMq() {
  await run('rabbitmq-server', ['-detached']);
}

/** Waits until the service accepts connections (and is ready, if local) or the deadline passes. */
async function waitUp(service, deadline) {
  const local = localHosts.has(service.host);
  while (Date.now() < deadline) {
    if ((await accepts(service.host, service.port)) && (!local || (await service.ready()))) return true;
    await pause();
  }
  return false;
}

// Outcomes: 'up'; 'timeout' (started, or remote, but never answered); 'unstartable' (local, and not
// installed or its start failed: Docker may stand in).
async function ensureLocal(service, deadline) {
  const local = localHosts.has(service.host);
  const result = (status, reason) => ({ ...service, where: `${service.host}:${service.port}`, local, status, reason });
  if (await accepts(service.host, service.port)) return result('up');
  if (!local) return result((await waitUp(service, deadline)) ? 'up' : 'timeout');
  if (!service.installed()) return result('unstartable', 'not installed');
  console.log(`${service.name} is down at ${service.host}:${service.port}; starting it`);
  try {
    await service.start();
  } catch (error) {
    const up = await waitUp(service, Math.min(deadline, Date.now() + failedStartGraceMs));
    return up ? result('up') : result('unstartable', `starting it failed: ${lastLine(error)}`);
  }
  if (!(await waitUp(service, deadline))) return result('timeout');
  console.log(`${service.name} is up at ${service.host}:${service.port}`);
  return result('up');
}

async function dockerEngineAnswers() {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

// Compose v2 (the docker CLI plugin) first, else the standalone v1 docker-compose.
function composeCommand() {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) {
    return { command: 'docker', args: ['compose'], waits: true };
  }
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) {
    return { command: 'docker-compose', args: [], waits: false };
  }
  return undefined;
}

async function composeUp(compose, services, timeoutMs) {
  const names = services.map((service) => service.compose);
  const args = [...compose.args, 'up', '-d', ...(compose.waits ? ['--wait'] : []), ...names];
  const shown = [compose.command, ...args].join(' ');
  console.log(`${describe(services.map((s) => s.name))} not running here and cannot be started: ${shown}`);
  // Compose resolves the whole file, and the apps' AUTH_JWT_SECRET has no default; these two never read it.
  const env = { ...process.env, AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? 'unused-by-postgres-and-rabbitmq' };
  const up = spawnSync(compose.command, args, { stdio: 'inherit', env, cwd: root });
  if (up.status !== 0) {
    console.error(`${shown} failed (${up.error?.message ?? `exit ${up.status}`}): see its output above.`);
    process.exit(1);
  }
  // The images may have taken minutes to pull; the wait for the servers starts now.
  const deadline = Date.now() + timeoutMs;
  for (const service of services) {
    const ready = service.compose === 'rabbitmq' ? composeBrokerReady : async () => true;
    service.status = 'timeout';
    service.reason = `docker-compose.yml's ${service.compose}, after ${timeoutMs / 1000} s`;
    service.fix = `see ${[compose.command, ...compose.args, 'logs', service.compose].join(' ')}`;
    while (Date.now() < deadline) {
      if ((await accepts(service.host, service.port)) && (await ready())) {
        service.status = 'up';
        console.log(
          `${service.name} is up at ${service.host}:${service.port} (docker-compose.yml's ${service.compose})`,
        );
        break;
      }
      await pause();
    }
  }
}

// Ready once definitions.json is loaded: its administrator can log in to the management API.
async function composeBrokerReady() {
  const { username, password } = new URL(composeServers.amqpUrl);
  try {
    const response = await fetch(`${composeServers.managementUrl}/api/overview`, {
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      signal: AbortSignal.timeout(2000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

async function ensureManagementApi(broker, deadline) {
  const url = process.env.RABBITMQ_MANAGEMENT_URL;
  const api = url ? endpoint(url, 15672) : { host: broker.host, port: 15672 };
  const where = `${api.host}:${api.port}`;
  const local = !url && localHosts.has(broker.host);
  let reason;
  if (local && !(await accepts(api.host, api.port))) {
    try {
      await run('rabbitmq-plugins', ['enable', '--quiet', 'rabbitmq_management']);
    } catch (error) {
      reason = `enabling it failed: ${lastLine(error)}`;
    }
  }
  while (Date.now() < deadline) {
    if (await accepts(api.host, api.port)) return undefined;
    await pause();
  }
  return {
    name: "RabbitMQ's management API",
    variable: 'RABBITMQ_MANAGEMENT_URL',
    hint: 'rabbitmq-plugins enable rabbitmq_management',
    status: 'timeout',
    configured: Boolean(url),
    where,
    local,
    reason,
  };
}

function describe(names) {
  return names.length === 1 ? `${names[0]} is` : `${names.join(' and ')} are`;
}

function list(items) {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

// What Docker can do instead of a local install, by fallback: npm start and npm test each use it their own way.
const dockerUse = {
  none: (them) => `or Docker, and npm start and npm test run ${them} in containers`,
  compose: (them) => `or Docker, and npm start runs ${them} from docker-compose.yml`,
  containers: (them) => `or Docker, and npm test runs ${them} in containers`,
};

/** Everything still down, and how to fix it, in one line. */
function failureLine(down, { timeoutMs, fallback, docker }) {
  const facts = down.map((service) => {
    const why = service.reason ?? `nothing answered for ${timeoutMs / 1000} s`;
    const state = service.status === 'unstartable' ? 'is not running at' : 'is not accepting connections at';
    return `${service.name} ${state} ${service.where} (${why})`;
  });
  const fixes = [];
  const unstartable = down.filter((service) => service.status === 'unstartable');
  if (unstartable.length > 0) {
    const them = unstartable.length === 1 ? 'it' : 'them';
    const instead =
      docker === 'no-compose'
        ? `or Docker Compose (docker compose or docker-compose), and npm start runs ${them} from docker-compose.yml`
        : dockerUse[fallback](them);
    fixes.push(`install ${list(unstartable.map((service) => service.install))}, ${instead}`);
  }
  for (const service of down.filter((s) => s.status === 'timeout')) {
    const fix = service.local
      ? `start ${service.name} with: ${service.hint}`
      : `check that ${service.variable} points at a running server`;
    fixes.push(service.fix ?? fix);
  }
  const chosen = unstartable.filter((service) => service.configured).map((service) => service.variable);
  if (chosen.length > 0)
    fixes.push(`or point ${list(chosen)} at ${chosen.length === 1 ? 'a running server' : 'running servers'}`);
  return `${facts.join('; ')}: ${fixes.join('; ')}.`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await ensureServices();
