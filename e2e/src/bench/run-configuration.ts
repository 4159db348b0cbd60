import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { PlacedOrder, PlannedOrder } from '../harness/mixed-load';
import type { SystemUnderTest } from '../harness/system-under-test';
import type { BenchWorkload } from './bench-workload';
import type { OrderOutcomes } from './order-outcomes';
import { cpuBetween, type ProcessProbes } from './process-probes';

/** One load to measure: a closed loop of `concurrency` shoppers, or orders offered at `rate` a second. */
export type Configuration =
  | { readonly kind: 'closed'; readonly concurrency: number; readonly orders: number }
  | { readonly kind: 'open'; readonly rate: number; readonly orders: number };

/** Percentiles of a set of durations, in milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** What one configuration measured. */
export interface ConfigurationResult {
  readonly name: string;
  readonly configuration: Configuration;
  readonly sagas: number;
  readonly completed: number;
  readonly failed: number;
  /** Orders that had not ended when the run gave up waiting (none, in a healthy run). */
  readonly unsettled: number;
  /** From the first POST to the last order's end. */
  readonly seconds: number;
  readonly sagasPerSecond: number;
  /** POST sent to order.completed or order.failed heard. */
  readonly latencyMs: Percentiles;
  /** Each step's round trip from the saga log: step-started to its reply's transition, per step. */
  readonly stepLatencyMs: Record<string, Omit<Percentiles, 'p99'>>;
  readonly commitsPerSaga: number;
  readonly messagesPerSaga: number;
  /** CPU per saga in milliseconds, by app, `postgres`, `rabbitmq`, `bench`, and `system` (all but bench). */
  readonly cpuMsPerSaga: Record<string, number>;
  /** Each app's peak resident memory while this configuration ran, in MiB. */
  readonly peakRssMiB: Record<string, number>;
  /** Open loop only: the system settled less than 90% of the offered rate. */
  readonly saturated: boolean;
}

/** Counters read before and after a configuration. */
export interface Counters {
  commits(): Promise<number>;
  messagesPublished(): Promise<number>;
}

/** How long to wait for backends to flush their statistics and the relays to go idle around a measurement. */
const quietMs = 1500;
/** How long orders may take to end after the last POST before the run stops waiting. */
const settleTimeoutMs = 120_000;

/** Places a configuration's orders (prepared beforehand) and measures them. */
export async function runConfiguration(
  configuration: Configuration,
  deps: {
    readonly sut: SystemUnderTest;
    readonly workload: BenchWorkload;
    readonly outcomes: OrderOutcomes;
    readonly probes: ProcessProbes;
    readonly counters: Counters;
  },
): Promise<ConfigurationResult> {
  const { sut, workload, outcomes, probes, counters } = deps;
  const planned = await workload.prepare(configuration.orders);
  await sleep(quietMs);
  const before = { commits: await counters.commits(), messages: await counters.messagesPublished(), cpu: probes.cpu() };
  probes.startSampling();

  const latencies: number[] = [];
  const placed: PlacedOrder[] = [];
  let lastEnd = 0;
  let deadline: NodeJS.Timeout | undefined;
  // An order that has not ended by then is counted unsettled, and the invariants will name it.
  const abandoned = new Promise<undefined>((resolve) => {
    deadline = setTimeout(() => resolve(undefined), settleTimeoutMs + estimatedPlacingMs(configuration));
  });
  const started = performance.now();
  const orderOne = async (order: PlannedOrder) => {
    const sent = performance.now();
    const accepted = await workload.place(order);
    placed.push(accepted);
    const outcome = await Promise.race([outcomes.settled(accepted.orderId), abandoned]);
    if (!outcome) return;
    latencies.push(outcome.at - sent);
    lastEnd = Math.max(lastEnd, outcome.at);
  };
  try {
    if (configuration.kind === 'closed') {
      let next = 0;
      await Promise.all(
        Array.from({ length: configuration.concurrency }, async () => {
          while (next < planned.length) await orderOne(planned[next++]);
        }),
      );
    } else {
      const spacingMs = 1000 / configuration.rate;
      await Promise.all(
        planned.map(async (order, i) => {
          await sleep(started + i * spacingMs - performance.now());
          await orderOne(order);
        }),
      );
    }
  } finally {
    clearTimeout(deadline);
  }

  await sleep(quietMs);
  const after = { commits: await counters.commits(), messages: await counters.messagesPublished(), cpu: probes.cpu() };
  const peakRssMiB = probes.stopSampling();
  const orderIds = placed.map((o) => o.orderId);
  const statuses = await sut.rows<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM orders.orders WHERE id = ANY($1::uuid[]) GROUP BY status',
    [orderIds],
  );
  const countOf = (status: string) => Number(statuses.find((s) => s.status === status)?.n ?? 0);
  const sagas = planned.length;
  const seconds = ((lastEnd || performance.now()) - started) / 1000;
  const sagasPerSecond = latencies.length / seconds;
  const cpu = cpuBetween(before.cpu, after.cpu);
  const cpuMsPerSaga = Object.fromEntries(Object.entries(cpu).map(([owner, s]) => [owner, (s * 1000) / sagas]));
  cpuMsPerSaga.system = Object.entries(cpuMsPerSaga)
    .filter(([owner]) => owner !== 'bench')
    .reduce((sum, [, ms]) => sum + ms, 0);
  return {
    name: configuration.kind === 'closed' ? `closed c=${configuration.concurrency}` : `open ${configuration.rate}/s`,
    configuration,
    sagas,
    completed: countOf('COMPLETED'),
    failed: countOf('FAILED'),
    unsettled: sagas - latencies.length,
    seconds,
    sagasPerSecond,
    latencyMs: percentiles(latencies),
    stepLatencyMs: await stepLatencies(sut, orderIds),
    commitsPerSaga: (after.commits - before.commits) / sagas,
    messagesPerSaga: (after.messages - before.messages) / sagas,
    cpuMsPerSaga,
    peakRssMiB,
    saturated: configuration.kind === 'open' && sagasPerSecond < 0.9 * configuration.rate,
  };
}

/** Commits of the system's database from pg_stat_database, and messages the apps' /metrics say they published. */
export async function systemCounters(sut: SystemUnderTest): Promise<Counters & { close(): Promise<void> }> {
  const database = new URL(sut.infra.databaseUrl);
  const name = decodeURIComponent(database.pathname.slice(1));
  // Read from another database, so that reading the counter does not add commits to it.
  database.pathname = '/postgres';
  const stats = new Client({ connectionString: database.toString() });
  await stats.connect();
  return {
    async commits() {
      const { rows } = await stats.query<{ commits: string }>(
        'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = $1',
        [name],
      );
      return Number(rows[0]?.commits ?? 0);
    },
    async messagesPublished() {
      let total = 0;
      for (const process of Object.values(sut.system.replicas).flat()) {
        const text = await (await fetch(`${process.url}/metrics`)).text();
        for (const match of text.matchAll(/^saga_messages_published_total\{[^}]*\} (\S+)$/gm))
          total += Number(match[1]);
      }
      return total;
    },
    close: () => stats.end(),
  };
}

async function stepLatencies(
  sut: SystemUnderTest,
  orderIds: readonly string[],
): Promise<Record<string, Omit<Percentiles, 'p99'>>> {
  // Each log entry is stamped with its transaction's start: the step's start is the transition that
  // sent its command, its end the transition that took the reply.
  const rows = await sut.rows<{ step: string; p50: number; p95: number; max: number }>(
    `WITH ours AS (SELECT id FROM saga.saga_instances WHERE correlation_id = ANY($1::text[])),
          spans AS (
            SELECT s.step_id AS step, extract(epoch FROM (e.at - s.at)) * 1000 AS ms
              FROM saga.saga_events s
              JOIN saga.saga_events e ON e.saga_id = s.saga_id AND e.command_id = s.command_id
                                     AND e.type IN ('step-succeeded', 'step-failed')
             WHERE s.type = 'step-started' AND s.saga_id IN (SELECT id FROM ours))
     SELECT step,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            max(ms) AS max
       FROM spans GROUP BY step`,
    [orderIds],
  );
  return Object.fromEntries(rows.map((r) => [r.step, { p50: Number(r.p50), p95: Number(r.p95), max: Number(r.max) }]));
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

function estimatedPlacingMs(configuration: Configuration): number {
  return configuration.kind === 'open' ? (configuration.orders / configuration.rate) * 1000 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
