import { newEnvelope } from '@saga/contracts';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { CommandContract, CommandPayload, CommandResult } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { messagingEntities, messagingMigrations } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import type { CommandHandler, CommandOutcome } from '@saga/saga';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { paymentMigrations } from '../migrations';
import { paymentEntities } from '../payment-worker-service';
import { creditWallet } from '../domain/wallets';

/** A migrated payment schema on a fresh database, for specs; close() drops it. */
export interface PaymentTestDatabase {
  readonly infra: TestInfrastructure;
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/** Provisions a fresh database and migrates the payment schema (with outbox and inbox) into it. */
export async function openPaymentTestDatabase(): Promise<PaymentTestDatabase> {
  const infra = await provisionTestInfrastructure();
  const dataSource = createServiceDataSource({
    url: infra.databaseUrl,
    schema: 'payment',
    entities: [...messagingEntities, ...paymentEntities],
    migrations: [...messagingMigrations, ...paymentMigrations],
    poolSize: 30,
  });
  await initializeDataSource(dataSource);
  return {
    infra,
    dataSource,
    async close() {
      await dataSource.destroy();
      await infra.teardown();
    },
  };
}

const logger = createLogger({ service: 'payment-worker-test', level: 'error' });

/** Runs a handler the way the command processor does: in one transaction, with a fresh command envelope. */
export function runCommand<C extends CommandContract>(
  dataSource: DataSource,
  contract: C,
  handler: CommandHandler<C>,
  payload: CommandPayload<C>,
): Promise<CommandOutcome<CommandResult<C>>> {
  const envelope = newEnvelope({
    type: contract.type,
    payload,
    sagaId: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
  });
  const send = () => {
    throw new Error('payment handlers send no messages besides their reply');
  };
  return dataSource.transaction((manager) => handler(payload, { manager, envelope, logger, send }));
}

/** Opens (or tops up) a wallet with this many cents. */
export async function fundWallet(dataSource: DataSource, userId: string, amount: number): Promise<void> {
  await dataSource.transaction((manager) => creditWallet(manager, userId, amount));
}

/** A user id no other test shares. */
export function newUserId(): string {
  return `shopper-${randomUUID().slice(0, 8)}`;
}

/**
 * The money invariants of a user's wallet, checked against the balance it was funded with: money is
 * conserved (balance + captured = funded), held is exactly what authorized payments hold, held never
 * exceeds the balance, and no payment was captured twice.
 */
export async function walletInvariants(dataSource: DataSource, userId: string) {
  const [row] = (await dataSource.query(
    `SELECT w.balance, w.held,
       (SELECT coalesce(sum(amount), 0)::int FROM payment.payments
         WHERE user_id = w.user_id AND provider = 'wallet' AND status = 'CAPTURED') AS captured,
       (SELECT coalesce(sum(amount), 0)::int FROM payment.payments
         WHERE user_id = w.user_id AND provider = 'wallet' AND status = 'AUTHORIZED') AS authorized,
       (SELECT count(*)::int FROM payment.payment_ledger l JOIN payment.payments p ON p.id = l.payment_id
         WHERE p.user_id = w.user_id AND l.kind = 'capture') AS captures
     FROM payment.wallets w WHERE w.user_id = $1`,
    [userId],
  )) as { balance: number; held: number; captured: number; authorized: number; captures: number }[];
  return row;
}
