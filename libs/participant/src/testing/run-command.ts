import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { newEnvelope, type CommandContract, type CommandPayload } from '@saga/contracts';
import { createLogger, type Logger } from '@saga/observability';
import type { PendingMessage } from '@saga/outbox';
import { replyAddressOf, type AnyCommandHandler, type CommandContext, type Concluded } from '../command-processor';

/** Where a handler runs in a spec, and what the spec wants to see of it. */
export interface RunCommandOptions {
  readonly dataSource: DataSource;
  readonly sagaId?: string;
  readonly logger?: Logger;
  /** Receives what the handler sends besides its reply. */
  readonly sent?: PendingMessage[];
}

/**
 * Runs one handler the way commandProcessor does, in its own transaction with a fresh envelope (a
 * calling handler in two, its call between them), but without a broker or an inbox: for specs of a
 * worker's domain on a real database.
 */
export async function runCommand<C extends CommandContract>(
  options: RunCommandOptions,
  contract: C,
  handler: AnyCommandHandler<C>,
  payload: CommandPayload<C>,
): Promise<Concluded<C>> {
  const envelope = newEnvelope({
    type: contract.type,
    payload,
    sagaId: options.sagaId ?? randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
  });
  const logger = options.logger ?? createLogger({ service: 'run-command', level: 'warn' });
  const sent = options.sent ?? [];
  const inTransaction = <T>(work: (context: CommandContext) => Promise<T>): Promise<T> =>
    options.dataSource.transaction((manager) =>
      work({
        manager,
        envelope,
        replyAddress: replyAddressOf(envelope, null),
        logger,
        send: (message) => sent.push(message),
      }),
    );
  if (typeof handler === 'function') return inTransaction((context) => handler(payload, context));
  const decision = await inTransaction((context) => handler.decide(payload, context));
  if (!('call' in decision)) return decision;
  const answer = await handler.call(decision.call, logger);
  return inTransaction((context) => handler.conclude(payload, decision.call, answer, context));
}
