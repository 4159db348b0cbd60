import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { newEnvelope, type CommandContract, type CommandPayload, type CommandResult } from '@saga/contracts';
import { createLogger, type Logger } from '@saga/observability';
import type { PendingMessage } from '@saga/outbox';
import type { CommandHandler, CommandOutcome } from '../command-processor';

/** Where a handler runs in a spec, and what the spec wants to see of it. */
export interface RunCommandOptions {
  readonly dataSource: DataSource;
  readonly sagaId?: string;
  readonly logger?: Logger;
  /** Receives what the handler sends besides its reply. */
  readonly sent?: PendingMessage[];
}

/**
 * Runs one handler the way commandProcessor does, in its own transaction with a fresh envelope, but
 * without a broker or an inbox: for specs of a worker's domain on a real database.
 */
export function runCommand<C extends CommandContract>(
  options: RunCommandOptions,
  contract: C,
  handler: CommandHandler<C>,
  payload: CommandPayload<C>,
): Promise<CommandOutcome<CommandResult<C>>> {
  const envelope = newEnvelope({
    type: contract.type,
    payload,
    sagaId: options.sagaId ?? randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
  });
  const logger = options.logger ?? createLogger({ service: 'run-command', level: 'warn' });
  const sent = options.sent ?? [];
  return options.dataSource.transaction((manager) =>
    handler(payload, { manager, envelope, logger, send: (message) => sent.push(message) }),
  );
}
