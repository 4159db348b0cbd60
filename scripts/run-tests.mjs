#!/usr/bin/env node
// npm test: every test of every project, against real PostgreSQL and RabbitMQ (started if local and down).
// Builds first (the end-to-end suite runs the compiled apps), type-checks and lints, runs each project's
// Jest, then prints one closing line. A run with a skipped test, or with no test at all, fails: a
// skipped test proves nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const results = join(root, '.run', 'jest');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

execFileSync(process.execPath, [join(root, 'scripts', 'ensure-services.mjs')], { stdio: 'inherit', env });
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
const test = spawnSync(
  nx,
  ['run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env,
    cwd: root,
  },
);

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
