import type { Command } from 'commander';
import type { OperatorOutcome } from '../api/saga-api';
import type { CliContext } from '../cli-context';
import { parseDuration } from '../output/durations';
import { table } from '../output/table';
import { positive } from './inspect';
import { findSaga } from './targets';

type Run = (action: (cli: CliContext) => Promise<void>) => Promise<void>;

interface DeadlineView {
  sagaId: string;
  definition: string;
  correlationId: string;
  stepId: string;
  phase: string;
  commandType: string;
  attempt: number;
  deadlineAt: string;
}

/** `saga deadlines`, `saga deadline extend` and `saga deadline fire`. */
export function registerDeadlineCommands(program: Command, run: Run): void {
  program
    .command('deadlines')
    .description('the step deadlines still to pass, soonest first')
    .option('--limit <n>', 'at most this many', '100')
    .addHelpText('after', '\nExample:\n  saga deadlines --time-format relative')
    .action((options: { limit: string }) =>
      run(async (cli) => {
        const { deadlines } = await cli.api.sagas.get<{ deadlines: DeadlineView[] }>('/deadlines', {
          limit: positive(options.limit, '--limit', 1000),
        });
        const { style } = cli.out;
        cli.out.print(deadlines, (list) =>
          list.length === 0
            ? style.dim('no saga waits for a reply')
            : table(
                ['saga', 'definition', 'step', 'command', 'try', 'deadline'],
                list.map((d) => [
                  d.sagaId,
                  d.definition,
                  d.phase === 'compensation' ? `undo ${d.stepId}` : d.stepId,
                  d.commandType,
                  String(d.attempt),
                  Date.parse(d.deadlineAt) < cli.now() ? style.red(style.time(d.deadlineAt)) : style.time(d.deadlineAt),
                ]),
                style.dim,
              ),
        );
      }),
    );

  const deadline = program.command('deadline').description('act on the deadline of the command one saga waits for');
  deadline
    .command('extend <sagaOrOrderId>')
    .description('push the deadline out (from now, if it already passed)')
    .requiredOption('--by <duration>', 'how much longer: 10m, 1h')
    .requiredOption('--reason <text>', 'why: it goes into the saga log with who you are')
    .addHelpText('after', '\nExample:\n  saga deadline extend 3f2a… --by 10m --reason "payment provider slow today"')
    .action((id: string, options: { by: string; reason: string }) =>
      run(async (cli) => {
        const byMs = parseDuration(options.by, '--by');
        const saga = await findSaga(cli, id);
        const done = await cli.api.act<OperatorOutcome>(saga.id, 'deadline/extend', { byMs, reason: options.reason });
        const after = await cli.api.saga(saga.id);
        cli.out.print(
          { ...done, deadlineAt: after.deadlineAt },
          (d) => `saga ${d.sagaId}: deadline now ${cli.out.style.time(d.deadlineAt)}`,
        );
      }),
    );
  deadline
    .command('fire <sagaOrOrderId>')
    .description('act on the deadline now, as if it had passed: what a timeout of that step does')
    .requiredOption('--reason <text>', 'why: it goes into the saga log with who you are')
    .addHelpText('after', '\nExample:\n  saga deadline fire 3f2a… --reason "the worker is gone; do not wait"')
    .action((id: string, options: { reason: string }) =>
      run(async (cli) => {
        const saga = await findSaga(cli, id);
        const done = await cli.api.act<OperatorOutcome>(saga.id, 'deadline/fire', { reason: options.reason });
        const sent = done.sent.map((s) => s.type).join(', ') || 'nothing';
        cli.out.print(
          done,
          (d) => `saga ${d.sagaId}: deadline fired; now ${cli.out.style.status(d.status)}, sent ${sent}`,
        );
      }),
    );
}
