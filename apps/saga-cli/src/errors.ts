/** What `saga` exits with: scripts branch on these. */
export const ExitCode = {
  Ok: 0,
  /** Something failed: the API or the broker could not be reached, or answered with an error. */
  Error: 1,
  /** The command line is wrong: an unknown option, a missing argument, a value that does not parse. */
  Usage: 2,
  /** No such saga, order or dead letter. */
  NotFound: 3,
  /** The saga's state or step kinds forbid the action, or a bulk or last-resort action was not confirmed. */
  Refused: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error `saga` reports in one line and exits on with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usage = (message: string) => new CliError(message, ExitCode.Usage);
export const refused = (message: string) => new CliError(message, ExitCode.Refused);
