import { Option, type Command } from 'commander';
import type { CompensationPlan, OperatorOutcome, SagaSummary } from '../api/saga-api';
import type { CliContext } from '../cli-context';
import { CliError, ExitCode, refused, usage } from '../errors';
import { table } from '../output/table';
import { sagaTable } from './inspect';
import { findSaga, hasFilter, queryOf, withSagaFilters, type FilterOptions } from './targets';

type Run = (action: (cli: CliContext) => Promise<void>) => Promise<void>;

interface VerbOptions extends FilterOptions {
  reason: string;
  yes?: boolean;
  limit: string;
}

/** The most sagas one bulk action touches. */
const bulkLimit = 1000;

/** A verb: what it is called, what it does, and the request it makes of one saga. */
interface Verb<O> {
  readonly name: string;
  readonly description: string;
  readonly example: string;
  readonly options?: (command: Command) => Command;
  /** Asks before acting on even one saga (kill), unless --yes. */
  readonly lastResort?: boolean;
  /** --step names the step to act on (skip), not a filter. */
  readonly stepIsArgument?: boolean;
  readonly request: (options: O) => { path: string; body: Record<string, unknown> };
}

/** `saga retry`, `skip`, `compensate`, `cancel` and `kill`: on one saga, or on every saga a filter selects. */
export function registerOperatorCommands(program: Command, run: Run): void {
  verb<object>(program, run, {
    name: 'retry',
    description: 'send again, at once, the command a saga in REQUIRES_ATTENTION gave up on',
    example:
      'saga retry 3f2a… --reason "cart database back"\n  saga retry --status REQUIRES_ATTENTION --step clear-cart --reason "cart fixed" --yes',
    request: () => ({ path: 'retry', body: {} }),
  });
  verb<{ step?: string; result?: string }>(program, run, {
    name: 'skip',
    description: 'mark the step a saga waits on (--step) as done by hand: after the pivot, or a compensation',
    example: 'saga skip 3f2a… --step clear-cart --reason "cleared by hand"',
    stepIsArgument: true,
    options: (command) =>
      command.option('--result <json>', "what the step's command would have replied, for a step later steps read from"),
    request: ({ step, result }) => {
      if (step === undefined) throw usage('skip needs --step: the step the saga waits on');
      return { path: 'skip', body: { step, ...(result === undefined ? {} : { result: json(result, '--result') }) } };
    },
  });
  for (const [name, description] of [
    ['compensate', 'force compensation of a saga not past its pivot: what ran is undone, last first'],
    ['cancel', 'cancel a saga not past its pivot (the shop calls it off): compensations run'],
  ] as const) {
    verb<{ dryRun?: boolean }>(program, run, {
      name,
      description,
      example: `saga ${name} 3f2a… --dry-run --reason "check"\n  saga ${name} 3f2a… --reason "customer called"`,
      options: (command) =>
        command.option('--dry-run', 'print the compensations in order, with each payload; change nothing'),
      request: ({ dryRun }) => ({ path: name, body: { dryRun: dryRun === true } }),
    });
  }
  verb<object>(program, run, {
    name: 'kill',
    description: 'stop a saga without compensation: a last resort; what its steps did stays done',
    example: 'saga kill 3f2a… --reason "settled by hand with the customer"',
    lastResort: true,
    request: () => ({ path: 'kill', body: {} }),
  });
}

function verb<O extends object>(program: Command, run: Run, spec: Verb<O>): void {
  const command = withSagaFilters(
    program
      .command(`${spec.name} [sagaOrOrderId]`)
      .description(`${spec.description}; with filters instead of an id, on every saga they select`)
      .requiredOption('--reason <text>', 'why: it goes into the saga log with who you are')
      .option('--yes', 'act without asking (needed for a filter, and for kill off a terminal)')
      .addOption(new Option('--limit <n>', 'at most this many sagas for a filter').default(String(bulkLimit))),
  );
  (spec.options?.(command) ?? command)
    .addHelpText('after', `\nExamples:\n  ${spec.example}`)
    .action((id: string | undefined, options: VerbOptions & O) =>
      run(async (cli) => {
        const { path, body } = spec.request(options);
        const request = { ...body, reason: options.reason };
        const filters = spec.stepIsArgument ? { ...options, step: undefined } : options;
        if (id !== undefined) {
          if (hasFilter(filters)) throw usage(`give a saga id or filters, not both`);
          const saga = await findSaga(cli, id);
          if (
            spec.lastResort &&
            !options.yes &&
            !(await cli.confirm(`${spec.name} saga ${saga.id} (${saga.status}) without compensation?`))
          ) {
            throw refused(`not confirmed: ${spec.name} needs a yes on a terminal, or --yes`);
          }
          const done = await cli.api.act<OperatorOutcome | CompensationPlan>(saga.id, path, request);
          return cli.out.print(done, (answer) => answerText(cli, answer));
        }
        if (!hasFilter(filters)) throw usage(`give a saga id, or filters (--status, --order, ...) and --yes`);
        await bulk(cli, spec.name, { path, request, options });
      }),
    );
}

/** A verb on every saga a filter selects: says how many first, needs --yes, then reports per saga. */
async function bulk(
  cli: CliContext,
  name: string,
  { path, request, options }: { path: string; request: Record<string, unknown>; options: VerbOptions },
): Promise<void> {
  const limit = Number(options.limit);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > bulkLimit) throw usage(`--limit takes 1 to ${bulkLimit}`);
  const sagas = await cli.api.listAll(await queryOf(cli, options), limit);
  if (!options.yes) {
    if (cli.out.format === 'table') cli.out.line(sagaTable(cli, sagas));
    throw refused(`${name} would touch ${sagas.length} saga(s); run it again with --yes to act`);
  }
  const results: { sagaId: string; outcome: 'done' | 'refused' | 'failed'; status?: string; error?: string }[] = [];
  for (const saga of sagas) {
    try {
      const done = await cli.api.act<OperatorOutcome>(saga.id, path, request);
      results.push({ sagaId: saga.id, outcome: 'done', status: done.status });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      results.push({
        sagaId: saga.id,
        outcome: error.exitCode === ExitCode.Refused ? 'refused' : 'failed',
        error: error.message,
      });
    }
    const last = results.at(-1)!;
    if (cli.out.format === 'jsonl') cli.out.line(JSON.stringify(last));
  }
  if (cli.out.format === 'json')
    cli.out.line(JSON.stringify({ action: name, matched: sagas.length, results }, null, 2));
  if (cli.out.format === 'table') cli.out.line(bulkText(cli, name, sagas, results));
  if (results.some((r) => r.outcome === 'failed')) throw new CliError(`${name}: some sagas failed`, ExitCode.Error);
  if (results.some((r) => r.outcome === 'refused')) throw refused(`${name}: some sagas refused it`);
}

function bulkText(
  cli: CliContext,
  name: string,
  sagas: readonly SagaSummary[],
  results: readonly { sagaId: string; outcome: string; status?: string; error?: string }[],
): string {
  const { style } = cli.out;
  const done = results.filter((r) => r.outcome === 'done').length;
  return [
    table(
      ['saga', name, 'status', 'why not'],
      results.map((r) => [
        r.sagaId,
        r.outcome === 'done' ? style.green('done') : style.red(r.outcome),
        r.status ? style.status(r.status) : '-',
        r.error ?? '',
      ]),
      style.dim,
    ),
    `${name}: ${done} of ${sagas.length} done`,
  ].join('\n');
}

function answerText(cli: CliContext, answer: OperatorOutcome | CompensationPlan): string {
  const { style } = cli.out;
  if ('dryRun' in answer) {
    return [
      `${answer.action} of saga ${answer.sagaId} would send, in this order (nothing was changed):`,
      ...answer.commands.map((c, i) => `  ${i + 1}. ${c.type} (undo ${c.stepId})  ${JSON.stringify(c.payload)}`),
      style.dim(`failure recorded: ${answer.failure.code}: ${answer.failure.message}`),
    ].join('\n');
  }
  const sent = answer.sent.map((s) => `${s.type} (${s.stepId})`).join(', ') || 'nothing';
  return `${answer.action}: saga ${answer.sagaId} is now ${style.status(answer.status)}; sent ${sent}`;
}

function json(text: string, option: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw usage(`${option} takes JSON, such as '{"paymentId":"…"}'`);
  }
}
