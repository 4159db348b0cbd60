import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import amqplib from 'amqplib';
import { workspaceRoot } from '@saga/launcher';
import { provisionTestInfrastructure } from '@saga/testing';
import { checkInvariants, waitUntilSettled } from '../harness/invariants';
import { SeededRandom } from '../harness/seeded-random';
import { SystemUnderTest } from '../harness/system-under-test';
import { BenchWorkload } from './bench-workload';
import { compareWithBound, formatReport, type BenchReport, type SoakResult } from './bench-report';
import { measureMachine, type MachineReference } from './machine-references';
import { OrderOutcomes } from './order-outcomes';
import { loadSagaHistory } from './saga-history';
import { appPids, cpuBetween, ProcessProbes } from './process-probes';
import { runConfiguration, systemCounters, type Configuration, type ConfigurationResult } from './run-configuration';

const usage = `npm run bench [-- options]: the saga system's throughput, latency and cost, every app a process on a
fresh database and broker namespace, checked against the fault suites' invariants at the end.

  --hot                 order one product only (default: 50 products, 85% complete, 10% declined, 5% no stock)
  --concurrency LIST    closed-loop shoppers, comma-separated (default 1,16,64)
  --rounds N            orders per shopper in a closed loop, at least 40 orders in all (default 12)
  --rates LIST          open-loop offered sagas/s, tried in order until one saturates (default 25,50,100,200,400)
  --open-seconds N      how long each rate is offered (default 8)
  --products N          products in the catalogue, the scarce one included (default 50)
  --log-level LEVEL     the apps' LOG_LEVEL (default info, as in production)
  --reference-ms N      how long each machine reference runs (default 2000; 0 skips them)
  --replicas N          processes of every app, competing for the same queues (default 1)
  --history N           first fill the saga schema with N finished sagas (1000000 for the history target)
  --soak SECONDS        then offer half the best rate measured for SECONDS (300 for the 5-minute soak),
                        sampling every app's memory every 10 s (default 0: no soak)
  --seed N              the workload's random seed (default: a fresh one, printed)
  --out FILE            where to write the JSON report (default .run/bench/bench-<time>.json)
  --help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      hot: { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '1,16,64' },
      rounds: { type: 'string', default: '12' },
      rates: { type: 'string', default: '25,50,100,200,400' },
      'open-seconds': { type: 'string', default: '8' },
      products: { type: 'string', default: '50' },
      'log-level': { type: 'string', default: 'info' },
      'reference-ms': { type: 'string', default: '2000' },
      replicas: { type: 'string', default: '1' },
      soak: { type: 'string', default: '0' },
      history: { type: 'string', default: '0' },
      seed: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const list = (text: string, flag: string) =>
    text
      .split(',')
      .filter(Boolean)
      .map((n) => positiveInteger(n, flag));
  const options = {
    hot: values.hot,
    concurrency: list(values.concurrency, '--concurrency'),
    rounds: positiveInteger(values.rounds, '--rounds'),
    rates: list(values.rates, '--rates'),
    openSeconds: positiveInteger(values['open-seconds'], '--open-seconds'),
    products: positiveInteger(values.products, '--products'),
    logLevel: values['log-level'],
    referenceMs: Number(values['reference-ms']),
    replicas: positiveInteger(values.replicas, '--replicas'),
    soakSeconds: values.soak === '0' ? 0 : positiveInteger(values.soak, '--soak'),
    history: values.history === '0' ? 0 : positiveInteger(values.history, '--history'),
    seed: values.seed === undefined ? new SeededRandom().seed : positiveInteger(values.seed, '--seed'),
  };
  const startedAt = new Date();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  console.log(`${command}: seed ${options.seed}`);

  const references = await measureReferences(options.concurrency, options.referenceMs);
  const sut = await SystemUnderTest.start({ env: { LOG_LEVEL: options.logLevel }, replicas: options.replicas });
  const results: ConfigurationResult[] = [];
  let report: BenchReport;
  try {
    const outcomes = await OrderOutcomes.listen(sut.infra.amqpUrl, sut.infra.namespace);
    const counters = await systemCounters(sut);
    const probes = new ProcessProbes(() => appPids(sut.system));
    try {
      const workload = await BenchWorkload.create(sut, {
        hot: options.hot,
        products: options.products,
        random: new SeededRandom(options.seed),
      });
      const deps = { sut, workload, outcomes, probes, counters };
      const idleCpuMsPerSecond = await idleCpu(probes, 5000);
      console.log(`idle: ${idleCpuMsPerSecond.system.toFixed(0)} ms of CPU a second with no order in flight`);
      // Warm-up: connections, JIT, first statements; measured, but not reported.
      await runConfiguration({ kind: 'closed', concurrency: 4, orders: 20 }, deps);
      if (options.history > 0) {
        const seconds = await loadSagaHistory(sut, options.history);
        console.log(`history: ${options.history} finished sagas loaded in ${seconds.toFixed(0)} s`);
      }

      for (const concurrency of options.concurrency) {
        const configuration: Configuration = {
          kind: 'closed',
          concurrency,
          orders: Math.max(40, concurrency * options.rounds),
        };
        results.push(await measured(configuration, deps));
      }
      for (const rate of options.rates) {
        const result = await measured({ kind: 'open', rate, orders: rate * options.openSeconds }, deps);
        results.push(result);
        if (result.saturated) break;
      }

      const soak = options.soakSeconds > 0 ? await soakRun(results, options.soakSeconds, deps) : undefined;

      await waitUntilSettled(sut, { timeoutMs: 60_000 });
      const invariants = await checkInvariants(sut, workload);
      report = {
        startedAt: startedAt.toISOString(),
        command,
        machine: await describeMachine(sut),
        options,
        references,
        idleCpuMsPerSecond,
        results: results.map((r) => ({ ...r, bound: compareWithBound(r, references) })),
        invariants: { holds: invariants.violations.length === 0, violations: invariants.violations },
        lifetimePeakRssMiB: probes.lifetimePeakRss(),
        soak,
      };
    } finally {
      await counters.close();
      await outcomes.close();
    }
  } finally {
    await sut.stop();
  }

  const out =
    values.out ?? join(workspaceRoot, '.run', 'bench', `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(`\n${formatReport(report)}\n\nreport: ${out}`);
  const unsettled = results.reduce((sum, r) => sum + r.unsettled, 0);
  if (unsettled > 0) console.error(`${unsettled} orders never ended: the run fails`);
  if (!report.invariants.holds) console.error('an invariant is broken: the run fails, whatever its speed');
  return report.invariants.holds && unsettled === 0 ? 0 : 1;
}

async function measured(
  configuration: Configuration,
  deps: Parameters<typeof runConfiguration>[1],
): Promise<ConfigurationResult> {
  const result = await runConfiguration(configuration, deps);
  console.log(
    `${result.name}: ${result.sagas} sagas, ${result.sagasPerSecond.toFixed(1)}/s, p50 ${result.latencyMs.p50.toFixed(0)} ms, ` +
      `p99 ${result.latencyMs.p99.toFixed(0)} ms, CPU ${result.cpuMsPerSaga.system.toFixed(1)} ms/saga`,
  );
  return result;
}

/** Offers half the best rate of the run for `seconds`, sampling each app's memory every 10 s. */
async function soakRun(
  results: readonly ConfigurationResult[],
  seconds: number,
  deps: Parameters<typeof runConfiguration>[1],
): Promise<SoakResult> {
  const best = Math.max(
    ...results.filter((r) => !r.saturated || r.configuration.kind === 'closed').map((r) => r.sagasPerSecond),
  );
  const rate = Math.max(1, Math.floor(best / 2));
  const rssMiB: Record<string, number[]> = {};
  const sample = () => {
    for (const [app, mib] of Object.entries(deps.probes.rss())) (rssMiB[app] ??= []).push(mib);
  };
  sample();
  const sampler = setInterval(sample, 10_000);
  let result: ConfigurationResult;
  try {
    result = await measured({ kind: 'open', rate, orders: rate * seconds }, deps);
  } finally {
    clearInterval(sampler);
  }
  sample();
  // Over the second half: the first is warm-up (pools, JIT, caches filling), a leak shows in both.
  const growthMiB = Object.fromEntries(
    Object.entries(rssMiB).map(([app, series]) => [app, series.at(-1)! - series[Math.floor(series.length / 2)]]),
  );
  return { rate, seconds, result, rssMiB, growthMiB };
}

// On a database and namespace of their own, before the apps start, so nothing else competes.
async function measureReferences(concurrencies: readonly number[], ms: number): Promise<MachineReference[]> {
  if (ms <= 0) return [];
  const infra = await provisionTestInfrastructure();
  try {
    const references: MachineReference[] = [];
    for (const concurrency of concurrencies) {
      const reference = await measureMachine(infra, concurrency, ms);
      console.log(
        `reference c=${concurrency}: ${reference.commitsPerSecond.toFixed(0)} commits/s, ` +
          `${reference.requestRepliesPerSecond.toFixed(0)} confirmed request/replies/s`,
      );
      references.push(reference);
    }
    return references;
  } finally {
    await infra.teardown();
  }
}

/** What the system costs doing nothing (relays and scanners polling, broker ticks), in CPU ms per second. */
async function idleCpu(probes: ProcessProbes, ms: number): Promise<Record<string, number>> {
  const before = probes.cpu();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = cpuBetween(before, probes.cpu());
  const perSecond = Object.fromEntries(Object.entries(used).map(([owner, s]) => [owner, (s * 1000 * 1000) / ms]));
  perSecond.system = Object.entries(perSecond)
    .filter(([owner]) => owner !== 'bench')
    .reduce((sum, [, v]) => sum + v, 0);
  return perSecond;
}

async function describeMachine(sut: SystemUnderTest): Promise<Record<string, string | number>> {
  const [{ server_version: postgres }] = await sut.rows<{ server_version: string }>('SHOW server_version');
  const connection = await amqplib.connect(sut.infra.amqpUrl);
  const rabbitmq = String(
    (connection.connection as unknown as { serverProperties?: { version?: string } }).serverProperties?.version ?? '?',
  );
  await connection.close();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres,
    rabbitmq,
  };
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} wants a positive integer, got "${text}"`);
  return n;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
