import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { FailureCode } from '@saga/contracts';
import { lockUntilCommit } from '@saga/persistence';
import { LedgerKind, PaymentStatus, type ProviderName } from './payment-codes';
import { Payment, type ProviderPayment } from './payment.entity';
import { PaymentLedgerEntry } from './payment-ledger-entry.entity';

/**
 * Takes the order's payment lock for the rest of the transaction and returns its payment, if any.
 * Every command of one order goes through here first, so a retry racing its original, or a void
 * racing a late authorize, runs one after the other and sees the other's outcome.
 */
export async function lockPaymentOfOrder(manager: EntityManager, orderId: string): Promise<Payment | null> {
  await lockUntilCommit(manager, `payment:${orderId}`);
  return manager.getRepository(Payment).findOneBy({ orderId });
}

/** The payment of an order with its ledger entries in the order they were written, or null. */
export async function findPaymentWithLedger(
  manager: EntityManager,
  orderId: string,
): Promise<{ payment: Payment; ledger: PaymentLedgerEntry[] } | null> {
  const payment = await manager.getRepository(Payment).findOneBy({ orderId });
  if (!payment) return null;
  const ledger = await manager
    .getRepository(PaymentLedgerEntry)
    .find({ where: { paymentId: payment.id }, order: { id: 'ASC' } });
  return { payment, ledger };
}

/** What a provider concluded about a new payment, ready to be written down. */
export type NewPayment = {
  readonly id: string;
  readonly orderId: string;
  readonly userId: string;
  readonly provider: ProviderName;
  readonly amount: number;
  readonly currency: string;
} & (
  | { readonly status: typeof PaymentStatus.Authorized; readonly providerRef: string }
  | {
      readonly status: typeof PaymentStatus.Declined;
      readonly failureCode: FailureCode;
      readonly failureMessage: string;
    }
);

/** Writes a new authorized or declined payment and its first ledger entry. */
export async function recordPayment(manager: EntityManager, payment: NewPayment): Promise<void> {
  const authorized = payment.status === PaymentStatus.Authorized;
  const row = manager.getRepository(Payment).create({
    id: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    provider: payment.provider,
    providerRef: authorized ? payment.providerRef : null,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    failureCode: authorized ? null : payment.failureCode,
    failureMessage: authorized ? null : payment.failureMessage,
  });
  await manager.getRepository(Payment).insert(row);
  await appendLedger(manager, row, authorized ? LedgerKind.Authorize : LedgerKind.Decline);
}

/** Writes the tombstone of an order voided before any authorization; a later authorize is refused. */
export async function recordTombstone(manager: EntityManager, orderId: string): Promise<void> {
  await manager.getRepository(Payment).insert({
    id: randomUUID(),
    orderId,
    userId: null,
    provider: null,
    providerRef: null,
    amount: 0,
    currency: 'USD',
    status: PaymentStatus.Voided,
    failureCode: null,
    failureMessage: null,
  });
}

/** Moves an authorized payment to CAPTURED or VOIDED and records the movement in the ledger. */
export async function settlePayment(
  manager: EntityManager,
  payment: ProviderPayment,
  outcome: typeof PaymentStatus.Captured | typeof PaymentStatus.Voided,
): Promise<void> {
  const updated = await manager
    .createQueryBuilder()
    .update(Payment)
    .set({ status: outcome, updatedAt: () => 'now()' })
    .where('id = :id AND status = :from', { id: payment.id, from: PaymentStatus.Authorized })
    .execute();
  // The caller holds the order's lock and saw AUTHORIZED: anything else is a bug, so roll back.
  if (updated.affected !== 1)
    throw new Error(`payment ${payment.id} is no longer AUTHORIZED; cannot mark it ${outcome}`);
  await appendLedger(manager, payment, outcome === PaymentStatus.Captured ? LedgerKind.Capture : LedgerKind.Void);
}

async function appendLedger(manager: EntityManager, payment: Payment, kind: LedgerKind): Promise<void> {
  await manager.getRepository(PaymentLedgerEntry).insert({
    paymentId: payment.id,
    orderId: payment.orderId,
    kind,
    amount: payment.amount,
  });
}
