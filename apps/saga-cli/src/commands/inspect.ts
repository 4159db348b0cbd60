import type { Command } from 'commander';
import type { SagaDetail, SagaSummary } from '../api/saga-api';
import type { CliContext } from '../cli-context';
import { usage } from '../errors';
import { formatDuration } from '../output/durations';
import { printable, table } from '../output/table';
import { drawTimeline } from '../output/timeline';
import { findSaga, queryOf, timeOf, withSagaFilters, type FilterOptions } from './targets';

type Run = (action: (cli: CliContext) => Promise<void>) => Promise<void>;

/** `saga list`, `show`, `stats`, `watch` and `versions`: reading, never changing. */
export function registerInspectCommands(program: Command, run: Run): void {
  withSagaFilters(program.command('list'))
    .description('list sagas, newest first')
    .option('--limit <n>', 'at most this many', '50')
    .addHelpText(
      'after',
      '\nExamples:\n  saga list --status REQUIRES_ATTENTION --stuck-for 10m\n  saga list --order 7c1e… -o json',
    )
    .action((options: FilterOptions & { limit: string }) =>
      run(async (cli) => {
        const limit = positive(options.limit, '--limit', 10_000);
        const sagas = await cli.api.listAll(await queryOf(cli, options), limit);
        cli.out.print(sagas, (list) => sagaTable(cli, list));
      }),
    );

  program
    .command('show <sagaOrOrderId>')
    .description("a saga's timeline: each step and compensation, its commands, times, errors and changes")
    .addHelpText(
      'after',
      '\nExamples:\n  saga show 3f2a…            (a saga id)\n  saga show 7c1e… -o json    (an order id: its order saga)',
    )
    .action((id: string) =>
      run(async (cli) => {
        const saga = await cli.api.saga((await findSaga(cli, id)).id);
        const orderId = String(saga.state.context?.orderId ?? saga.correlationId);
        const order = await cli.api.order(orderId).catch(() => null);
        cli.out.print({ ...saga, order }, (view) => showSaga(cli, view));
      }),
    );

  program
    .command('stats')
    .description('sagas started in a window: counts by status, p50/p95/p99 duration, top failure reasons')
    .option('--since <time>', 'from (ISO time, or a duration ago)', '24h')
    .option('--until <time>', 'to (ISO time, or a duration ago)')
    .addHelpText('after', '\nExample:\n  saga stats --since 1h')
    .action((options: { since: string; until?: string }) =>
      run(async (cli) => {
        const stats = await cli.api.sagas.get<StatsView>('/sagas/stats', {
          since: timeOf(options.since, '--since', cli.now()),
          until: timeOf(options.until, '--until', cli.now()),
        });
        cli.out.print(
          stats,
          (view) => statsText(cli, view),
          (view) => view.definitions,
        );
      }),
    );

  program
    .command('watch [sagaOrOrderId]')
    .description('follow saga transitions as they happen: all sagas, or one')
    .option('--interval <ms>', 'how often to look', '500')
    .addHelpText('after', '\nExamples:\n  saga watch\n  saga watch 7c1e… -o jsonl')
    .action((id: string | undefined, options: { interval: string }) =>
      run(async (cli) => {
        const sagaId = id === undefined ? undefined : (await findSaga(cli, id)).id;
        await watch(cli, sagaId, positive(options.interval, '--interval', 60_000));
      }),
    );

  program
    .command('versions')
    .description('saga definitions, each version with how many sagas run on it')
    .addHelpText('after', '\nExample:\n  saga versions')
    .action(() =>
      run(async (cli) => {
        const { definitions } = await cli.api.sagas.get<{ definitions: VersionView[] }>('/saga-definitions');
        cli.out.print(definitions, (list) =>
          table(
            ['definition', 'version', 'live', 'total', 'steps', 'this build'],
            list.map((v) => [
              v.name,
              String(v.version),
              String(v.live),
              String(v.total),
              v.fingerprint ?? '-',
              v.latest
                ? 'runs it; new sagas start here'
                : v.runHere
                  ? 'runs it'
                  : cli.out.style.yellow('does not run it'),
            ]),
            cli.out.style.dim,
          ),
        );
      }),
    );
}

interface StatsView {
  since: string;
  until: string;
  definitions: {
    definition: string;
    byStatus: Record<string, number>;
    durationMs: { p50: number; p95: number; p99: number } | null;
    topFailures: { kind: string; stepId: string; reason: string; count: number }[];
  }[];
}

interface VersionView {
  name: string;
  version: number;
  fingerprint: string | null;
  live: number;
  total: number;
  runHere: boolean;
  latest: boolean;
}

export function sagaTable(cli: CliContext, sagas: readonly SagaSummary[]): string {
  const { style } = cli.out;
  if (sagas.length === 0) return style.dim('no sagas match');
  return table(
    ['saga', 'definition', 'business id', 'status', 'step', 'started', 'last change'],
    sagas.map((s) => [
      s.id,
      s.definition,
      printable(s.correlationId),
      style.status(s.status),
      s.currentStep ?? '-',
      style.time(s.createdAt),
      style.time(s.updatedAt),
    ]),
    style.dim,
  );
}

function showSaga(
  cli: CliContext,
  saga: SagaDetail & { order: { status: string; attention?: { reason: string } | null } | null },
): string {
  const { style } = cli.out;
  const lines = [
    `${style.bold(`saga ${saga.id}`)}  ${saga.definition}  ${style.status(saga.status)}`,
    `business id  ${printable(saga.correlationId)}` +
      (saga.order
        ? `   order ${style.status(saga.order.status)}${saga.order.attention ? style.yellow(' (needs attention)') : ''}`
        : ''),
    `started      ${style.time(saga.createdAt)}   last change ${style.time(saga.updatedAt)}`,
  ];
  if (saga.deadlineAt) lines.push(`deadline     ${style.time(saga.deadlineAt)} (${saga.currentStep})`);
  if (saga.state.stalled) lines.push(style.yellow(`stalled      ${printable(saga.state.stalled.reason)}`));
  if (saga.state.failure)
    lines.push(style.red(`failure      ${saga.state.failure.code}: ${printable(saga.state.failure.message)}`));
  lines.push('', drawTimeline(saga.timeline, { startedAt: saga.createdAt, now: cli.now(), width: 40, style }));
  const details = saga.timeline.filter((bar) => bar.commandId || bar.error || bar.changes);
  if (details.length > 0) {
    lines.push(
      '',
      table(
        ['step', 'command', 'sent', 'answered', 'error', 'changed'],
        details.map((bar) => [
          bar.phase === 'compensation' ? `undo ${bar.stepId}` : bar.stepId,
          `${bar.commandType ?? '-'} ${style.dim(bar.commandId ?? '')}`,
          style.time(bar.startedAt),
          style.time(bar.endedAt),
          bar.error ? printable(errorText(bar.error)) : '-',
          bar.changes && Object.keys(bar.changes).length > 0 ? printable(diffText(bar.changes)) : '-',
        ]),
        style.dim,
      ),
    );
  }
  if (saga.remaining) {
    const next = saga.remaining.map((r) => (r.phase === 'compensation' ? `undo ${r.stepId}` : r.stepId));
    lines.push('', `still to run  ${next.length > 0 ? next.join(' → ') : style.dim('nothing')}`);
  }
  for (const act of saga.operatorActions) {
    lines.push(style.dim(`${style.time(act.at)}  ${act.actor} ${act.action}: ${printable(act.reason)}`));
  }
  return lines.join('\n');
}

function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, message, deadlineAt } = error as { code?: string; message?: string; deadlineAt?: string };
    if (code) return `${code}: ${message ?? ''}`;
    if (deadlineAt) return `no reply by ${deadlineAt}`;
  }
  return JSON.stringify(error);
}

function diffText(changes: Record<string, unknown>): string {
  return Object.entries(changes)
    .map(([key, value]) => `+${key}=${JSON.stringify(value).slice(0, 60)}`)
    .join(' ');
}

function statsText(cli: CliContext, stats: StatsView): string {
  const { style } = cli.out;
  const lines = [style.dim(`sagas started ${style.time(stats.since)} – ${style.time(stats.until)}`)];
  if (stats.definitions.length === 0) lines.push('no sagas started in this window');
  for (const d of stats.definitions) {
    const counts = Object.entries(d.byStatus)
      .map(([status, n]) => `${style.status(status)} ${n}`)
      .join('  ');
    const p = d.durationMs;
    lines.push(
      '',
      style.bold(d.definition),
      `  ${counts}`,
      `  duration  ${p ? `p50 ${formatDuration(p.p50)}  p95 ${formatDuration(p.p95)}  p99 ${formatDuration(p.p99)}` : '-'}`,
    );
    for (const f of d.topFailures)
      lines.push(`  ${String(f.count).padStart(5)}  ${f.kind} at ${f.stepId}: ${printable(f.reason)}`);
  }
  return lines.join('\n');
}

interface LogLine {
  id: string;
  sagaId: string;
  definition: string;
  correlationId: string;
  type: string;
  stepId: string | null;
  statusAfter: string;
  data: Record<string, unknown>;
  at: string;
}

/**
 * Prints transitions as they are committed. Entry ids come from a sequence and one committed late
 * can be lower than ids seen already, so each look starts a little behind the last and what was shown
 * is skipped.
 */
async function watch(cli: CliContext, sagaId: string | undefined, intervalMs: number): Promise<void> {
  const shown = new Set<string>();
  let after: string | undefined;
  const settleMs = 5_000;
  for (;;) {
    // The first look shows the last few transitions, as `tail -f` does; later ones everything new.
    const limit = after === undefined ? 20 : 1000;
    const { events } = await cli.api.sagas.get<{ events: LogLine[] }>('/saga-log', { after, sagaId, limit });
    for (const event of events) {
      if (shown.has(event.id)) continue;
      shown.add(event.id);
      cli.out.print(event, (e) => watchLine(cli, e));
    }
    const settled = events.filter((e) => Date.parse(e.at) < cli.now() - settleMs).map((e) => BigInt(e.id));
    if (after === undefined) after = events.length > 0 ? String(events.at(-1)!.id) : '0';
    if (settled.length > 0) after = String(settled.reduce((a, b) => (a > b ? a : b)));
    if (shown.size > 100_000) shown.clear();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function watchLine(cli: CliContext, e: LogLine): string {
  const { style } = cli.out;
  const who =
    e.data.by === 'operator' ? style.dim(` by ${String(e.data.actor)}: ${printable(String(e.data.reason))}`) : '';
  return `${style.time(e.at)}  ${e.sagaId.slice(0, 8)}  ${e.definition.padEnd(11)}  ${e.type.padEnd(24)} ${(e.stepId ?? '').padEnd(16)} ${style.status(e.statusAfter)}${who}`;
}

export function positive(text: string, option: string, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > max)
    throw usage(`${option} takes a whole number from 1 to ${max}, not "${text}"`);
  return n;
}
