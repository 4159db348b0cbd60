import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serviceSchemas as contractSchemas, type ServiceName } from '@saga/contracts';
import { systemApps, workspaceRoot, type SystemApp } from '@saga/launcher';
import { SeededRandom } from '../harness/seeded-random';
import { serviceSchemas, SystemUnderTest } from '../harness/system-under-test';
import { BenchWorkload } from './bench-workload';
import { OrderOutcomes } from './order-outcomes';
import { appPids, ProcessProbes } from './process-probes';
import { runConfiguration, systemCounters } from './run-configuration';

/**
 * npm run bench:profile: where one saga's time and CPU go. Runs the bench workload one order at a time
 * and reads, for every message hop, when the sender's transaction began (outbox.created_at) and when
 * the receiver's began (inbox.received_at), beside each handler's own time from /metrics; then runs it
 * at concurrency 16 with every app under `node --cpu-prof` and sums each app's samples by library.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '40' },
      'loaded-orders': { type: 'string', default: '400' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const dir = join(workspaceRoot, '.run', 'profile');
  rmSync(dir, { recursive: true, force: true });
  const apps = Object.keys(systemApps) as SystemApp[];
  const nodeArgs = Object.fromEntries(
    apps.map((app) => {
      mkdirSync(join(dir, app), { recursive: true });
      return [app, ['--cpu-prof', `--cpu-prof-dir=${join(dir, app)}`]];
    }),
  );
  const sut = await SystemUnderTest.start({ env: { LOG_LEVEL: values['log-level'] }, nodeArgs });
  try {
    const outcomes = await OrderOutcomes.listen(sut.infra.amqpUrl, sut.infra.namespace);
    const counters = await systemCounters(sut);
    const probes = new ProcessProbes(() => appPids(sut.system));
    const workload = await BenchWorkload.create(sut, { hot: false, products: 50, random: new SeededRandom() });
    const deps = { sut, workload, outcomes, probes, counters };
    await runConfiguration({ kind: 'closed', concurrency: 4, orders: 20 }, deps);
    const handlersBefore = await handlerSeconds(sut, apps);
    const one = await runConfiguration({ kind: 'closed', concurrency: 1, orders: Number(values.orders) }, deps);
    const handlersAfter = await handlerSeconds(sut, apps);
    console.log(`one at a time: ${one.sagas} sagas, p50 ${one.latencyMs.p50.toFixed(1)} ms POST to end\n`);
    console.log('per hop, p50 ms (sender tx start -> receiver tx start; the receiver handler time is its own):');
    const orderIds = workload.placed.slice(-one.sagas).map((o) => o.orderId);
    for (const hop of await hops(sut, orderIds)) {
      const handler = handlerMs(handlersBefore, handlersAfter, hop.receiver, hop.type);
      console.log(
        `  ${hop.type.padEnd(22)} ${hop.sender.padEnd(10)} -> ${hop.receiver.padEnd(10)} ${hop.p50.toFixed(1).padStart(6)}` +
          `   receiver handler ${handler === undefined ? '-' : handler.toFixed(1)} ms`,
      );
    }
    const loaded = await runConfiguration(
      { kind: 'closed', concurrency: 16, orders: Number(values['loaded-orders']) },
      deps,
    );
    console.log(
      `\nat concurrency 16: ${loaded.sagasPerSecond.toFixed(1)} sagas/s, CPU ${loaded.cpuMsPerSaga.system.toFixed(1)} ms/saga`,
    );
    await counters.close();
    await outcomes.close();
  } finally {
    await sut.stop();
  }
  console.log('\nCPU samples by library, per app (the whole life of the process, start-up included):');
  for (const app of apps) {
    const file = readdirSync(join(dir, app)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) continue;
    const buckets = bucketSamples(JSON.parse(readFileSync(join(dir, app, file), 'utf8')) as CpuProfile);
    console.log(`  ${app}: ${buckets.map(([name, share]) => `${name} ${(share * 100).toFixed(0)}%`).join(', ')}`);
  }
  console.log(`\nprofiles: ${dir} (open in Chrome DevTools or speedscope)`);
}

/** For each message type and pair of services, the p50 from the sender's transaction to the receiver's. */
async function hops(
  sut: SystemUnderTest,
  orderIds: readonly string[],
): Promise<{ type: string; sender: string; receiver: string; p50: number }[]> {
  const outboxes = serviceSchemas
    .map(
      (s) =>
        `SELECT '${s}' AS sender, message_id, envelope->>'type' AS type, envelope->>'correlationId' AS order_id, created_at FROM ${s}.outbox`,
    )
    .join(' UNION ALL ');
  const inboxes = serviceSchemas
    .map((s) => `SELECT '${s}' AS receiver, message_id, received_at FROM ${s}.inbox`)
    .join(' UNION ALL ');
  const rows = await sut.rows<{ type: string; sender: string; receiver: string; p50: number; n: string }>(
    `SELECT o.type, o.sender, i.receiver,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.received_at - o.created_at) * 1000) AS p50,
            count(*) AS n
       FROM (${outboxes}) o JOIN (${inboxes}) i ON i.message_id = o.message_id
      WHERE o.order_id = ANY($1::text[])
      GROUP BY 1, 2, 3 ORDER BY min(o.created_at)`,
    [orderIds],
  );
  return rows.map((r) => ({ ...r, p50: Number(r.p50) }));
}

type HandlerSeconds = Map<string, { sum: number; count: number }>;

async function handlerSeconds(sut: SystemUnderTest, apps: readonly SystemApp[]): Promise<HandlerSeconds> {
  const seconds: HandlerSeconds = new Map();
  for (const app of apps) {
    const text = await (await fetch(`${sut.system.url(app)}/metrics`)).text();
    for (const [, kind, labels, value] of text.matchAll(
      /^saga_message_handler_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm,
    )) {
      const type = /type="([^"]*)"/.exec(labels)?.[1];
      const key = `${schemaOf(app)}|${type}`;
      const entry = seconds.get(key) ?? { sum: 0, count: 0 };
      if (kind === 'sum') entry.sum += Number(value);
      else entry.count += Number(value);
      seconds.set(key, entry);
    }
  }
  return seconds;
}

function handlerMs(before: HandlerSeconds, after: HandlerSeconds, schema: string, type: string): number | undefined {
  const key = `${schema}|${type}`;
  const a = after.get(key);
  if (!a) return undefined;
  const b = before.get(key) ?? { sum: 0, count: 0 };
  return a.count === b.count ? undefined : ((a.sum - b.sum) / (a.count - b.count)) * 1000;
}

function schemaOf(app: SystemApp): string {
  // The mail sink has no schema and no handlers; its key matches nothing.
  return app in contractSchemas ? contractSchemas[app as ServiceName] : app;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
}

/** Each sample charged to the library its top frame belongs to, as shares of the busy samples. */
function bucketSamples(profile: CpuProfile): [string, number][] {
  const bucketOf = new Map<number, string>();
  for (const { id, callFrame } of profile.nodes) bucketOf.set(id, bucket(callFrame.functionName, callFrame.url));
  const counts = new Map<string, number>();
  for (const id of profile.samples) {
    const name = bucketOf.get(id) ?? 'other';
    if (name === 'idle') continue;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const busy = [...counts.values()].reduce((a, b) => a + b, 0);
  return [...counts]
    .map(([name, n]): [string, number] => [name, n / busy])
    .sort((a, b) => b[1] - a[1])
    .filter(([, share]) => share >= 0.01);
}

function bucket(functionName: string, url: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'native/program';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1];
  if (url.includes('/libs/') || url.includes('/apps/')) return 'our code';
  if (url.startsWith('node:') || url === '')
    return functionName === 'writev' || functionName === 'writeBuffer' ? 'socket writes' : 'node internals';
  return 'other';
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
