import type { Command } from 'commander';
import type { SagaQuery, SagaSummary } from '../api/saga-api';
import type { CliContext } from '../cli-context';
import { CliError, ExitCode, usage } from '../errors';
import { parseDuration } from '../output/durations';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The saga an operator names: by its id, or by its order's (or refund's) id, which finds the order
 * saga of that order first.
 */
export async function findSaga(cli: CliContext, idOrOrder: string): Promise<SagaSummary> {
  if (uuid.test(idOrOrder)) {
    try {
      return await cli.api.saga(idOrOrder);
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode !== ExitCode.NotFound) throw error;
    }
  }
  const { sagas } = await cli.api.list({ correlationId: idOrOrder, limit: 50 });
  const [first] = [...sagas].sort(
    (a, b) => Number(b.definition.startsWith('order-saga')) - Number(a.definition.startsWith('order-saga')),
  );
  if (!first)
    throw new CliError(`no saga, and no order or refund with a saga, has the id ${idOrOrder}`, ExitCode.NotFound);
  return first;
}

/** The filter options a list or a bulk verb takes. */
export function withSagaFilters(command: Command): Command {
  return command
    .option(
      '--status <statuses>',
      'RUNNING, COMPENSATING, COMPLETED, FAILED, REQUIRES_ATTENTION or KILLED; comma-separated',
    )
    .option('--since <time>', 'started at or after (ISO time, or a duration ago: 2h)')
    .option('--until <time>', 'started before (ISO time, or a duration ago)')
    .option('--order <orderId>', "the order's sagas: its order saga and its refunds'")
    .option('--step <step>', 'waits on, or stalled at, this step')
    .option('--definition <name>', 'order-saga or refund-saga')
    .option('--version <version>', 'definition version: 2, or order-saga@2')
    .option('--stuck-for <duration>', 'not finished and unchanged for at least this long: 10m, 2h');
}

export interface FilterOptions {
  status?: string;
  since?: string;
  until?: string;
  order?: string;
  step?: string;
  definition?: string;
  version?: string;
  stuckFor?: string;
}

/** Whether any filter option was given (a bulk verb needs one, or an id). */
export function hasFilter(options: FilterOptions): boolean {
  return [
    options.status,
    options.since,
    options.until,
    options.order,
    options.step,
    options.definition,
    options.version,
    options.stuckFor,
  ].some((value) => value !== undefined);
}

/** The API's query for the filter options; an order's refunds are looked up so their sagas come too. */
export async function queryOf(cli: CliContext, options: FilterOptions): Promise<SagaQuery> {
  const [definitionOfVersion, version] = versionOf(options.version);
  let correlationId: string | undefined;
  if (options.order !== undefined) {
    const { refunds } = await cli.api.refundsOf(options.order).catch((error: unknown) => {
      if (error instanceof CliError && error.exitCode === ExitCode.NotFound) return { refunds: [] };
      throw error;
    });
    correlationId = [options.order, ...refunds.map((r) => r.id)].join(',');
  }
  return {
    status: options.status?.toUpperCase(),
    correlationId,
    since: timeOf(options.since, '--since', cli.now()),
    until: timeOf(options.until, '--until', cli.now()),
    step: options.step,
    definition: options.definition ?? definitionOfVersion,
    version,
    stuckForMs: options.stuckFor === undefined ? undefined : parseDuration(options.stuckFor, '--stuck-for'),
  };
}

function versionOf(text: string | undefined): [string | undefined, number | undefined] {
  if (text === undefined) return [undefined, undefined];
  const match = /^(?:([\w-]+)@)?(\d{1,6})$/.exec(text.trim());
  if (!match) throw usage(`--version takes a number or name@number, such as 2 or order-saga@2, not "${text}"`);
  return [match[1], Number(match[2])];
}

/** An ISO time, or a duration meaning that long ago. */
export function timeOf(text: string | undefined, option: string, now: number): string | undefined {
  if (text === undefined) return undefined;
  if (/^\d+(ms|s|m|h|d)/.test(text.trim())) return new Date(now - parseDuration(text, option)).toISOString();
  const at = new Date(text);
  if (Number.isNaN(at.getTime()))
    throw usage(`${option} takes an ISO time (2026-12-01T10:00) or a duration ago (2h), not "${text}"`);
  return at.toISOString();
}
