import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemApps, workspaceRoot } from '@saga/launcher';
import type { BenchReport } from './bench-report';

// What the benchmark reports, checked on a tiny run: figures are for `npm run bench` to print, so this
// asserts none of their values, only that every one is there and that the run checked the invariants.
describe('npm run bench', () => {
  it('measures closed and open loops against the machine references and ends with the invariants', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bench-')), 'report.json');
    const run = spawnSync(
      process.execPath,
      [
        join(workspaceRoot, 'e2e', 'dist', 'bench', 'main.js'),
        ...['--concurrency', '1,4', '--rounds', '10', '--rates', '8', '--open-seconds', '2'],
        ...['--reference-ms', '300', '--products', '5', '--log-level', 'warn', '--out', out],
      ],
      { encoding: 'utf8', timeout: 170_000 },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('invariants: all hold');

    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    expect(report.references.map((r) => r.concurrency)).toEqual([1, 4]);
    expect(report.results.map((r) => r.name)).toEqual(['closed c=1', 'closed c=4', 'open 8/s']);
    for (const result of report.results) {
      expect(result.unsettled).toBe(0);
      expect(result.completed + result.failed).toBe(result.sagas);
      expect(result.sagasPerSecond).toBeGreaterThan(0);
      expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
      expect(Object.keys(result.stepLatencyMs)).toEqual(expect.arrayContaining(['reserve-stock', 'clear-cart']));
      expect(result.commitsPerSaga).toBeGreaterThan(0);
      expect(result.messagesPerSaga).toBeGreaterThan(0);
      for (const owner of ['order-saga', 'postgres', 'rabbitmq']) expect(result.cpuMsPerSaga[owner]).toBeGreaterThan(0);
      expect(Object.keys(result.peakRssMiB).sort()).toEqual(Object.keys(systemApps).sort());
      expect(result.bound?.fractionAchieved).toBeGreaterThan(0);
    }
    expect(report.invariants).toEqual({ holds: true, violations: [] });
  });
});
