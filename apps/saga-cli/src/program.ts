import { Command, CommanderError, Option } from 'commander';
import { contextOf, type CliContext, type GlobalOptions } from './cli-context';
import { registerDeadlineCommands } from './commands/deadlines';
import { registerDeadLetterCommands } from './commands/dlq';
import { registerInspectCommands } from './commands/inspect';
import { registerOperatorCommands } from './commands/operate';
import { CliError, ExitCode } from './errors';

/** Where the program reports errors (its stdout is the commands' own). */
export interface ProgramIo {
  readonly error: (text: string) => void;
}

/**
 * The `saga` program: every command, the options they share, and one place where an error becomes a
 * line on stderr and an exit code (0 ok, 1 error, 2 usage, 3 not found, 4 refused).
 */
export function createProgram(io: ProgramIo, exit: (code: ExitCode) => void): Command {
  const program = new Command('saga')
    .description('inspect and steer the order and refund sagas: their steps, compensations, deadlines and dead letters')
    .addOption(
      new Option('--api <url>', "order-saga's operator API").env('SAGA_API_URL').default('http://127.0.0.1:3004'),
    )
    .addOption(
      new Option('--orders-api <url>', "order-api, for the orders' status")
        .env('SAGA_ORDER_API_URL')
        .default('http://127.0.0.1:3000'),
    )
    .addOption(new Option('--token <jwt>', "an operator's bearer token").env('SAGA_TOKEN'))
    .addOption(
      new Option('--management-url <url>', "RabbitMQ's management API, with its login")
        .env('RABBITMQ_MANAGEMENT_URL')
        .default('http://guest:guest@127.0.0.1:15672'),
    )
    .addOption(new Option('--namespace <ns>', "the system's queue namespace").env('NAMESPACE').default('shop'))
    .addOption(
      new Option('-o, --output <format>', 'table on a terminal, or json / jsonl for scripts')
        .choices(['table', 'json', 'jsonl'])
        .default('table'),
    )
    .addOption(
      new Option('--time-format <format>', 'times in the local zone, as ISO 8601, or relative to now')
        .choices(['local', 'iso', 'relative'])
        .default('local'),
    )
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: io.error, outputError: (text, write) => write(text) })
    .exitOverride();

  const run = async (action: (cli: CliContext) => Promise<void>): Promise<void> => {
    try {
      await action(contextOf(program.opts<GlobalOptions>()));
      exit(ExitCode.Ok);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      io.error(`saga: ${error.message}\n`);
      exit(error.exitCode);
    }
  };
  registerInspectCommands(program, run);
  registerOperatorCommands(program, run);
  registerDeadlineCommands(program, run);
  registerDeadLetterCommands(program, run);
  return program;
}

/** Runs `saga` with these arguments (without node and the script) and resolves to its exit code. */
export async function runSaga(args: readonly string[], io: ProgramIo): Promise<ExitCode> {
  let code: ExitCode = ExitCode.Ok;
  const program = createProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...args], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; any other parse error is a usage error.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    io.error(`saga: ${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.Error;
  }
}
