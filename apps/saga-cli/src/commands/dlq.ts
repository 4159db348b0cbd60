import type { Command } from 'commander';
import type { DeadLetter, ReplayReport } from '../api/saga-api';
import type { CliContext } from '../cli-context';
import { refused } from '../errors';
import { printable, table } from '../output/table';
import { positive } from './inspect';

type Run = (action: (cli: CliContext) => Promise<void>) => Promise<void>;

interface DlqFilter {
  queue?: string;
  saga?: string;
  step?: string;
  type?: string;
  message?: string;
}

/** `saga dlq list|show|replay|purge`: the dead-letter queues, by queue, saga, step, type or message. */
export function registerDeadLetterCommands(program: Command, run: Run): void {
  const dlq = program.command('dlq').description('the dead-letter queues: list, show, replay, purge');
  const filtered = (command: Command) =>
    command
      .option('--saga <sagaId>', "only this saga's dead letters")
      .option('--step <step>', 'only those of this step')
      .option('--type <messageType>', 'only messages of this type, e.g. cart.clear')
      .option('--message <messageId>', 'only this message');

  filtered(dlq.command('list'))
    .description('how many dead letters each queue holds (from the management API), and which')
    .option('--queue <queue>', 'one queue, e.g. cart-worker.commands')
    .option('--limit <n>', 'at most this many per queue', '100')
    .addHelpText('after', '\nExamples:\n  saga dlq list\n  saga dlq list --queue cart-worker.commands --saga 3f2a…')
    .action((options: DlqFilter & { limit: string }) =>
      run(async (cli) => {
        const depths = await depthsOf(cli);
        const { queues } = await cli.api.sagas.get<{ queues: { queue: string; deadLetters: DeadLetter[] }[] }>(
          '/admin/dead-letters',
          { ...filterQuery(options), queue: options.queue, limit: positive(options.limit, '--limit', 1000) },
        );
        const view = queues.map((q) => ({ ...q, depth: depths.get(q.queue) ?? null }));
        cli.out.print(
          view,
          (list) => dlqText(cli, list),
          (list) => list.flatMap((q) => q.deadLetters.map((d) => ({ queue: q.queue, ...d }))),
        );
      }),
    );

  dlq
    .command('show <messageId>')
    .description('one dead letter whole: why it died, its headers and its body')
    .option('--queue <queue>', 'the queue it died on (faster)')
    .addHelpText('after', '\nExample:\n  saga dlq show 5d1c… --queue cart-worker.commands')
    .action((messageId: string, options: { queue?: string }) =>
      run(async (cli) => {
        const letter = await cli.api.sagas.get<Record<string, unknown>>(
          `/admin/dead-letters/${encodeURIComponent(messageId)}`,
          {
            queue: options.queue,
          },
        );
        cli.out.print(letter, (l) => printable(JSON.stringify(l, null, 2)));
      }),
    );

  filtered(dlq.command('replay'))
    .description('put dead letters back on their queue: only those whose saga still waits for them, unless --force')
    .requiredOption('--queue <queue>', 'the queue, e.g. cart-worker.commands')
    .requiredOption('--reason <text>', 'why: it goes into the log of each saga touched')
    .option('--force', 'replay even what its saga no longer waits for (audited as forced)')
    .addHelpText(
      'after',
      '\nExamples:\n  saga dlq replay --queue cart-worker.commands --saga 3f2a… --reason "cart db back"\n  saga dlq replay --queue payment-worker.commands --step capture-payment --force --reason "provider fixed"',
    )
    .action((options: DlqFilter & { queue: string; reason: string; force?: boolean }) =>
      run(async (cli) => {
        const report = await cli.api.sagas.post<ReplayReport>('/admin/dead-letters/replay', {
          ...filterQuery(options),
          queue: options.queue,
          reason: options.reason,
          force: options.force === true,
        });
        cli.out.print(report, (r) => replayText(cli, r));
        if (report.replayed.length === 0 && report.stale.length > 0)
          throw refused(`nothing replayed: every selected dead letter is stale (--force to override)`);
      }),
    );

  filtered(dlq.command('purge'))
    .description('delete dead letters for good')
    .requiredOption('--queue <queue>', 'the queue, e.g. cart-worker.commands')
    .requiredOption('--reason <text>', 'why: it goes into the log of each saga touched')
    .option('--yes', 'delete without asking')
    .addHelpText(
      'after',
      '\nExample:\n  saga dlq purge --queue cart-worker.commands --type cart.clear --reason "old clears" --yes',
    )
    .action((options: DlqFilter & { queue: string; reason: string; yes?: boolean }) =>
      run(async (cli) => {
        if (!options.yes && !(await cli.confirm(`delete the selected dead letters of ${options.queue} for good?`))) {
          throw refused('not confirmed: purge needs a yes on a terminal, or --yes');
        }
        const { purged } = await cli.api.sagas.post<{ purged: DeadLetter[] }>('/admin/dead-letters/purge', {
          ...filterQuery(options),
          queue: options.queue,
          reason: options.reason,
        });
        cli.out.print(purged, (list) => `purged ${list.length} dead letter(s) from ${options.queue}`);
      }),
    );
}

function filterQuery(options: DlqFilter): Record<string, string | undefined> {
  return { sagaId: options.saga, step: options.step, messageType: options.type, messageId: options.message };
}

/** Each `.dlq`'s depth, by the queue it serves, from RabbitMQ's management API. */
async function depthsOf(cli: CliContext): Promise<Map<string, number>> {
  const prefix = `${cli.namespace}.`;
  const queues = await cli.management.get<{ name: string; messages?: number }[]>('/api/queues/%2F', {
    columns: 'name,messages',
  });
  return new Map(
    queues
      .filter((q) => q.name.startsWith(prefix) && q.name.endsWith('.dlq'))
      .map((q) => [q.name.slice(prefix.length, -'.dlq'.length), q.messages ?? 0]),
  );
}

function dlqText(
  cli: CliContext,
  queues: { queue: string; depth: number | null; deadLetters: DeadLetter[] }[],
): string {
  const { style } = cli.out;
  const lines = [
    table(
      ['queue', 'dead letters'],
      queues.map((q) => [q.queue, q.depth === null ? '?' : q.depth > 0 ? style.red(String(q.depth)) : '0']),
      style.dim,
    ),
  ];
  for (const q of queues.filter((queue) => queue.deadLetters.length > 0)) {
    lines.push(
      '',
      style.bold(q.queue),
      table(
        ['message', 'type', 'saga', 'step', 'reason', 'tries', 'died', 'error'],
        q.deadLetters.map((d) => [
          d.messageId ?? '-',
          d.type ?? '-',
          d.sagaId ?? '-',
          d.step ?? '-',
          style.red(d.reason),
          d.attempts === null ? '-' : String(d.attempts),
          style.time(d.failedAt),
          printable((d.error ?? '').slice(0, 80)),
        ]),
        style.dim,
      ),
    );
  }
  return lines.join('\n');
}

function replayText(cli: CliContext, report: ReplayReport): string {
  const { style } = cli.out;
  const lines = [
    `replayed ${report.replayed.length} dead letter(s) onto ${report.queue}${report.forced ? style.yellow(' (forced)') : ''}`,
  ];
  for (const d of report.replayed)
    lines.push(`  ${style.green('replayed')}  ${d.messageId} ${d.type ?? ''} ${d.sagaId ?? ''}`);
  for (const { deadLetter: d, why } of report.stale)
    lines.push(`  ${style.yellow('stale')}     ${d.messageId} ${d.type ?? ''}: ${why}`);
  return lines.join('\n');
}
