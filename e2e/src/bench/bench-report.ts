import type { MachineReference } from './machine-references';
import { sagaBound } from './machine-references';
import type { ConfigurationResult } from './run-configuration';

/** Everything one `npm run bench` measured, as written to its JSON file. */
export interface BenchReport {
  readonly startedAt: string;
  readonly command: string;
  readonly machine: Record<string, string | number>;
  readonly options: Record<string, unknown>;
  readonly references: readonly MachineReference[];
  /** CPU the system uses with no order in flight, in ms per second, by process. */
  readonly idleCpuMsPerSecond: Record<string, number>;
  readonly results: readonly (ConfigurationResult & { bound?: BoundComparison })[];
  readonly invariants: { readonly holds: boolean; readonly violations: readonly string[] };
  readonly lifetimePeakRssMiB: Record<string, number>;
  /** With --soak: a steady open loop at half the best rate, and each app's memory along it. */
  readonly soak?: SoakResult;
}

/** Memory over a soak: a sample of each app's RSS every 10 s, and its growth over the second half. */
export interface SoakResult {
  readonly rate: number;
  readonly seconds: number;
  /** Throughput, latency and cost over the soak. */
  readonly result: ConfigurationResult;
  readonly rssMiB: Record<string, number[]>;
  /** RSS at the end minus RSS halfway through (after warm-up), per app. */
  readonly growthMiB: Record<string, number>;
}

/** A configuration's throughput against what the same run's references allow for its commits and messages. */
export interface BoundComparison {
  readonly referenceConcurrency: number;
  readonly commitBound: number;
  readonly messageBound: number;
  /** Both together: Postgres and RabbitMQ share the cores, so their times per saga add up. */
  readonly bound: number;
  readonly fractionAchieved: number;
}

/** Holds a result against the reference measured at the nearest concurrency. */
export function compareWithBound(
  result: ConfigurationResult,
  references: readonly MachineReference[],
): BoundComparison | undefined {
  if (references.length === 0 || result.sagas === 0) return undefined;
  const concurrency = result.configuration.kind === 'closed' ? result.configuration.concurrency : 16;
  const reference = references.reduce((best, r) =>
    Math.abs(r.concurrency - concurrency) < Math.abs(best.concurrency - concurrency) ? r : best,
  );
  const bound = sagaBound(reference, result.commitsPerSaga, result.messagesPerSaga);
  return {
    referenceConcurrency: reference.concurrency,
    commitBound: reference.commitsPerSecond / result.commitsPerSaga,
    messageBound: (reference.requestRepliesPerSecond * 2) / result.messagesPerSaga,
    bound,
    fractionAchieved: result.sagasPerSecond / bound,
  };
}

/** The report as a person reads it: the machine, its references, one line per configuration, then the detail. */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(
    `machine: ${m.cpu} x${m.cores}, ${m.memoryGiB} GiB; node ${m.node}; postgres ${m.postgres}; rabbitmq ${m.rabbitmq}`,
  );
  lines.push(`command: ${report.command}`);
  lines.push('', 'machine references (same run, before the apps started):');
  lines.push(
    table(
      ['concurrency', 'commits/s', 'request/replies/s'],
      report.references.map((r) => [
        r.concurrency,
        r.commitsPerSecond.toFixed(0),
        r.requestRepliesPerSecond.toFixed(0),
      ]),
    ),
  );
  lines.push('', 'sagas (POST to order.completed/order.failed):');
  lines.push(
    table(
      [
        'load',
        'sagas',
        'sagas/s',
        'p50 ms',
        'p95',
        'p99',
        'max',
        'commits/saga',
        'msgs/saga',
        'CPU ms/saga',
        'bound/s',
        'of bound',
      ],
      report.results.map((r) => [
        r.name + (r.saturated ? ' (saturated)' : ''),
        r.sagas,
        r.sagasPerSecond.toFixed(1),
        r.latencyMs.p50.toFixed(0),
        r.latencyMs.p95.toFixed(0),
        r.latencyMs.p99.toFixed(0),
        r.latencyMs.max.toFixed(0),
        r.commitsPerSaga.toFixed(1),
        r.messagesPerSaga.toFixed(1),
        r.cpuMsPerSaga.system.toFixed(1),
        r.bound ? r.bound.bound.toFixed(0) : '-',
        r.bound ? `${(r.bound.fractionAchieved * 100).toFixed(0)}%` : '-',
      ]),
    ),
  );
  const owners = Object.keys(report.results[0]?.cpuMsPerSaga ?? {}).filter((o) => o !== 'system');
  lines.push('', 'CPU ms per saga by process (first row: ms per second with nothing to do):');
  lines.push(
    table(
      ['load', ...owners],
      [
        ['idle, per second', ...owners.map((o) => (report.idleCpuMsPerSecond[o] ?? 0).toFixed(1))],
        ...report.results.map((r) => [r.name, ...owners.map((o) => r.cpuMsPerSaga[o].toFixed(1))]),
      ],
    ),
  );
  const apps = Object.keys(report.lifetimePeakRssMiB);
  lines.push('', 'peak RSS MiB while each load ran (last row: over the whole run):');
  lines.push(
    table(
      ['load', ...apps],
      [
        ...report.results.map((r) => [r.name, ...apps.map((a) => r.peakRssMiB[a] ?? 0)]),
        ['whole run (VmHWM)', ...apps.map((a) => report.lifetimePeakRssMiB[a])],
      ],
    ),
  );
  if (report.soak) {
    const { soak } = report;
    const r = soak.result;
    lines.push(
      '',
      `soak: ${soak.rate} sagas/s offered for ${soak.seconds} s: ${r.sagasPerSecond.toFixed(1)} sagas/s, ` +
        `p50 ${r.latencyMs.p50.toFixed(0)} ms, p99 ${r.latencyMs.p99.toFixed(0)} ms, CPU ${r.cpuMsPerSaga.system.toFixed(1)} ms/saga`,
    );
    lines.push('RSS MiB every 10 s, and the growth over the second half:');
    lines.push(
      table(
        ['app', 'samples', 'growth'],
        Object.entries(soak.rssMiB).map(([app, series]) => [app, series.join(' '), soak.growthMiB[app]]),
      ),
    );
  }
  const steps = [...new Set(report.results.flatMap((r) => Object.keys(r.stepLatencyMs)))];
  lines.push('', 'step round trip p50/p95 ms, from the saga log:');
  lines.push(
    table(
      ['load', ...steps],
      report.results.map((r) => [
        r.name,
        ...steps.map((s) =>
          r.stepLatencyMs[s] ? `${r.stepLatencyMs[s].p50.toFixed(1)}/${r.stepLatencyMs[s].p95.toFixed(1)}` : '-',
        ),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    report.invariants.holds ? 'invariants: all hold' : `invariants: ${report.invariants.violations.length} broken`,
  );
  for (const violation of report.invariants.violations) lines.push(`  BROKEN ${violation}`);
  return lines.join('\n');
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells
    .map((row) => '  ' + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '))
    .join('\n');
}
