#!/usr/bin/env node
// npm test: every test of every project, against real PostgreSQL and RabbitMQ (started if local and down;
// where one is neither running nor installed but Docker is, in a container started once for the run,
// from docker-compose.yml's image). Builds first (the end-to-end suite runs the compiled apps),
// type-checks and lints, runs each project's Jest, then prints one closing line. A run with a skipped
// test, or with no test at all, fails: a skipped test proves nothing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureServices } from './ensure-services.mjs';

const root = new URL('..', import.meta.url).pathname;
const results = join(root, '.run', 'jest');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

const { inContainers } = await ensureServices({ fallback: 'containers' });
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const nx = join(root, 'node_modules', '.bin', 'nx');
const build = spawnSync(nx, ['run-many', '-t', 'build', '--outputStyle=stream'], { stdio: 'inherit', env, cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);
// Type-checked as a whole, then linted (floating promises, unused code, module boundaries), before any test.
for (const script of ['typecheck', 'lint']) {
  const check = spawnSync('npm', ['run', script, '--silent'], { stdio: 'inherit', env, cwd: root });
  if (check.status !== 0) {
    console.error(`npm run ${script} failed: the run fails`);
    process.exit(check.status ?? 1);
  }
}
const containers = await testServerContainers();
const test = await new Promise((resolve) => {
  spawn(nx, ['run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env,
    cwd: root,
  }).once('close', (status) => resolve({ status }));
});
await containers?.stop();

// Every project must have run: a project whose tests never started reports nothing at all.
const expected = [...['libs', 'apps'].flatMap((dir) => readdirSync(join(root, dir))), 'e2e'];
let passed = 0;
let failed = 0;
let skipped = 0;
const projects = readdirSync(results).filter((f) => f.endsWith('.json'));
for (const file of projects) {
  const report = JSON.parse(readFileSync(join(results, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
  skipped += report.numPendingTests + report.numTodoTests;
}
const silent = expected.filter((name) => !projects.includes(`${name}.json`));
console.log(`\n${projects.length} of ${expected.length} projects tested`);
if (silent.length > 0) console.error(`no test results from: ${silent.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (skipped > 0) console.error('a skipped test proves nothing: the run fails');
if (passed === 0) console.error('no test ran: the run fails');
process.exit(test.status !== 0 || failed > 0 || skipped > 0 || passed === 0 || silent.length > 0 ? 1 : 0);

/**
 * Names the servers for every spec process: containers for those ensureServices found missing, started
 * here once (not once per spec file), else the local ones, unless DATABASE_URL or AMQP_URL names others.
 */
async function testServerContainers() {
  const require = createRequire(import.meta.url);
  const { localTestServers, startTestServerContainers, testImages } = require('../libs/testing/dist/index.js');
  let containers;
  if (inContainers.length > 0) {
    const choice = { postgres: inContainers.includes('PostgreSQL'), rabbitmq: inContainers.includes('RabbitMQ') };
    const images = Object.entries(choice).flatMap(([server, wanted]) => (wanted ? [testImages[server]] : []));
    console.log(`starting ${images.join(' and ')} in containers for this run`);
    try {
      containers = await startTestServerContainers(choice);
    } catch (error) {
      console.error(`The test servers' containers did not start (${error instanceof Error ? error.message : error}).`);
      process.exit(1);
    }
    Object.assign(env, containers.env);
  }
  env.DATABASE_URL ??= localTestServers.postgresUrl;
  env.AMQP_URL ??= localTestServers.amqpUrl;
  return containers;
}
