import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openServiceDatabase } from '@saga/runtime';
import { provisionTestInfrastructure, type TestInfrastructure } from '@saga/testing';
import { paymentWorkerService } from '../payment-worker-service';
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
  const dataSource = await openServiceDatabase(paymentWorkerService, infra.databaseUrl, { poolSize: 30 });
  return {
    infra,
    dataSource,
    async close() {
      await dataSource.destroy();
      await infra.teardown();
    },
  };
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
