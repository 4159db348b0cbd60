import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Currency, Failure, PaymentMethod } from '@saga/contracts';
import type { ReplyAddress } from '@saga/participant';
import { lockUntilCommit } from '@saga/persistence';
import { LedgerKind, PaymentStatus, type PaymentCause, type ProviderName } from './payment-codes';
import { PaymentLedgerEntry } from './payment-ledger-entry.entity';
import { PaymentRefund, PaymentRefundStatus } from './payment-refund.entity';
import { PaymentStatusChange } from './payment-status-change.entity';
import { Payment, type ProviderPayment } from './payment.entity';

/**
 * Takes the order's payment lock for the rest of the transaction and returns its payment, if any.
 * Every command and webhook of one order goes through here first, so a retry racing its original, a
 * void racing a late authorize, or a webhook racing the answer it confirms, run one after the other.
 */
export async function lockPaymentOfOrder(manager: EntityManager, orderId: string): Promise<Payment | null> {
  await lockUntilCommit(manager, `payment:${orderId}`);
  return manager.getRepository(Payment).findOneBy({ orderId });
}

/** The payment a provider knows by this reference, locked like lockPaymentOfOrder, or null. */
export async function lockPaymentByProviderRef(
  manager: EntityManager,
  provider: ProviderName,
  providerRef: string,
): Promise<Payment | null> {
  const found = await manager.getRepository(Payment).findOneBy({ provider, providerRef });
  return found && lockPaymentOfOrder(manager, found.orderId);
}

/** The payment of an order with its ledger entries and status history, oldest first, or null. */
export async function findPaymentWithLedger(
  manager: EntityManager,
  orderId: string,
): Promise<{ payment: Payment; ledger: PaymentLedgerEntry[]; history: PaymentStatusChange[] } | null> {
  const payment = await manager.getRepository(Payment).findOneBy({ orderId });
  if (!payment) return null;
  const where = { paymentId: payment.id };
  const ledger = await manager.getRepository(PaymentLedgerEntry).find({ where, order: { id: 'ASC' } });
  const history = await manager.getRepository(PaymentStatusChange).find({ where, order: { id: 'ASC' } });
  return { payment, ledger, history };
}

/** A new payment of an order, before any provider said anything about it. */
export interface NewPayment {
  readonly id: string;
  readonly orderId: string;
  readonly userId: string;
  readonly provider: ProviderName;
  readonly amount: number;
  readonly currency: Currency;
}

/** Writes a new payment the provider has already decided on: authorized under its reference, or declined. */
export async function recordDecidedPayment(
  manager: EntityManager,
  payment: NewPayment,
  outcome: { readonly providerRef: string } | { readonly failure: Failure },
  cause: PaymentCause,
): Promise<void> {
  const authorized = 'providerRef' in outcome;
  const row = await insertPayment(manager, {
    ...payment,
    status: authorized ? PaymentStatus.Authorized : PaymentStatus.Declined,
    providerRef: authorized ? outcome.providerRef : null,
    failureCode: authorized ? null : outcome.failure.code,
    failureMessage: authorized ? null : outcome.failure.message,
  });
  await recordChange(manager, row, cause, authorized ? LedgerKind.Authorize : LedgerKind.Decline);
}

/**
 * Writes the intent of a card authorization before the provider is called: AUTHORIZING, with the
 * card's token kept until the answer is recorded, so a redelivery calls again with the same request.
 */
export async function recordAuthorizing(
  manager: EntityManager,
  payment: NewPayment & { readonly paymentMethod: PaymentMethod },
  cause: PaymentCause,
): Promise<void> {
  const row = await insertPayment(manager, { ...payment, status: PaymentStatus.Authorizing });
  await recordChange(manager, row, cause);
}

/** Writes the tombstone of an order voided before any authorization; a later authorize is refused. */
export async function recordTombstone(manager: EntityManager, orderId: string, cause: PaymentCause): Promise<void> {
  const row = await insertPayment(manager, {
    id: randomUUID(),
    orderId,
    userId: null,
    provider: null,
    amount: 0,
    currency: 'USD',
    status: PaymentStatus.Voided,
  });
  await recordChange(manager, row, cause);
}

/** The provider's answer to an AUTHORIZING payment, or how a payment that waited on the shopper ended. */
export type AuthorizationResult =
  | { readonly status: typeof PaymentStatus.Authorized; readonly providerRef: string }
  | { readonly status: typeof PaymentStatus.Declined; readonly failure: Failure; readonly providerRef: string | null }
  | {
      readonly status: typeof PaymentStatus.RequiresAction;
      readonly providerRef: string;
      readonly nextAction: string | null;
      readonly awaitingReply: ReplyAddress;
    };

/** Records how an AUTHORIZING or REQUIRES_ACTION payment's authorization ended, with the money it held. */
export async function recordAuthorization(
  manager: EntityManager,
  payment: Payment,
  result: AuthorizationResult,
  cause: PaymentCause,
): Promise<void> {
  const base = { paymentMethod: null, nextAction: null, awaitingReply: null, providerRef: result.providerRef };
  switch (result.status) {
    case PaymentStatus.Authorized:
      return changeStatus(
        manager,
        payment,
        { ...base, status: result.status },
        { cause, ledger: LedgerKind.Authorize },
      );
    case PaymentStatus.Declined:
      return changeStatus(
        manager,
        payment,
        { ...base, status: result.status, failureCode: result.failure.code, failureMessage: result.failure.message },
        { cause, ledger: LedgerKind.Decline },
      );
    case PaymentStatus.RequiresAction:
      return changeStatus(
        manager,
        payment,
        { ...base, status: result.status, nextAction: result.nextAction, awaitingReply: result.awaitingReply },
        { cause },
      );
  }
}

/**
 * Moves a payment to CAPTURED or VOIDED and records the movement. Only an AUTHORIZED payment held
 * money, so only its void is a ledger movement; voiding an authorization still under way is not.
 */
export async function settlePayment(
  manager: EntityManager,
  payment: ProviderPayment,
  outcome: typeof PaymentStatus.Captured | typeof PaymentStatus.Voided,
  cause: PaymentCause,
): Promise<void> {
  const held = payment.status === PaymentStatus.Authorized;
  const ledger = outcome === PaymentStatus.Captured ? LedgerKind.Capture : held ? LedgerKind.Void : undefined;
  const set = { status: outcome, paymentMethod: null, nextAction: null, awaitingReply: null };
  await changeStatus(manager, payment, set, { cause, ledger });
}

/** The statuses a payment may move to from each status; anything else is a bug and rolls back. */
const allowedMoves: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  AUTHORIZING: [PaymentStatus.Authorized, PaymentStatus.Declined, PaymentStatus.RequiresAction, PaymentStatus.Voided],
  REQUIRES_ACTION: [PaymentStatus.Authorized, PaymentStatus.Declined, PaymentStatus.Voided],
  AUTHORIZED: [PaymentStatus.Captured, PaymentStatus.Voided],
  CAPTURED: [PaymentStatus.PartiallyRefunded, PaymentStatus.Refunded],
  PARTIALLY_REFUNDED: [PaymentStatus.PartiallyRefunded, PaymentStatus.Refunded],
  REFUNDED: [],
  VOIDED: [],
  DECLINED: [],
};

/** Whether the payment's money was taken (refunds since included): only such a payment is refunded. */
export function wasCaptured(payment: Payment): boolean {
  return (
    payment.status === PaymentStatus.Captured ||
    payment.status === PaymentStatus.PartiallyRefunded ||
    payment.status === PaymentStatus.Refunded
  );
}

/**
 * Sets aside `amount` of a captured payment for a refund about to be made (PENDING), so refunds in
 * flight never add up to more than was taken; the payment's CHECK refuses it otherwise.
 */
export async function reserveRefund(
  manager: EntityManager,
  payment: Payment,
  refund: { readonly refundId: string; readonly amount: number },
): Promise<PaymentRefund> {
  await manager.increment(Payment, { id: payment.id }, 'refunded', refund.amount);
  const row = manager.getRepository(PaymentRefund).create({
    refundId: refund.refundId,
    paymentId: payment.id,
    orderId: payment.orderId,
    amount: refund.amount,
    status: PaymentRefundStatus.Pending,
    providerRef: null,
    failureMessage: null,
  });
  await manager.getRepository(PaymentRefund).insert(row);
  return row;
}

/**
 * Records how a PENDING refund ended: given back (a ledger movement, and the payment PARTIALLY_REFUNDED
 * or REFUNDED), or refused by the provider (the amount set aside is released).
 */
export async function recordRefund(
  manager: EntityManager,
  { payment, refund }: { readonly payment: Payment; readonly refund: PaymentRefund },
  outcome: { readonly providerRef: string } | { readonly refused: string },
  cause: PaymentCause,
): Promise<void> {
  if ('refused' in outcome) {
    await manager.decrement(Payment, { id: payment.id }, 'refunded', refund.amount);
    await manager.update(
      PaymentRefund,
      { refundId: refund.refundId },
      { status: PaymentRefundStatus.Failed, failureMessage: outcome.refused, updatedAt: () => 'now()' },
    );
    return;
  }
  await manager.update(
    PaymentRefund,
    { refundId: refund.refundId },
    { status: PaymentRefundStatus.Succeeded, providerRef: outcome.providerRef, updatedAt: () => 'now()' },
  );
  const { succeeded } = (await manager
    .getRepository(PaymentRefund)
    .createQueryBuilder('r')
    .select('coalesce(sum(r.amount), 0)', 'succeeded')
    .where('r.payment_id = :id AND r.status = :status', { id: payment.id, status: PaymentRefundStatus.Succeeded })
    .getRawOne()) as { succeeded: string };
  const status = Number(succeeded) >= payment.amount ? PaymentStatus.Refunded : PaymentStatus.PartiallyRefunded;
  await changeStatus(manager, payment, { status }, { cause });
  await manager.getRepository(PaymentLedgerEntry).insert({
    paymentId: payment.id,
    orderId: payment.orderId,
    kind: LedgerKind.Refund,
    amount: refund.amount,
  });
}

async function changeStatus(
  manager: EntityManager,
  payment: Payment,
  set: Partial<Payment> & { readonly status: PaymentStatus },
  change: { readonly cause: PaymentCause; readonly ledger?: LedgerKind },
): Promise<void> {
  const { cause, ledger } = change;
  if (!allowedMoves[payment.status].includes(set.status)) {
    throw new Error(`payment ${payment.id} cannot move from ${payment.status} to ${set.status}`);
  }
  const updated = await manager
    .createQueryBuilder()
    .update(Payment)
    .set({ ...set, updatedAt: () => 'now()' })
    .where('id = :id AND status = :from', { id: payment.id, from: payment.status })
    .execute();
  // The caller holds the order's lock and saw this status: anything else is a bug, so roll back.
  if (updated.affected !== 1) throw new Error(`payment ${payment.id} is no longer ${payment.status}`);
  await recordChange(manager, { ...payment, ...set }, cause, ledger);
}

async function insertPayment(
  manager: EntityManager,
  row: Partial<Payment> & Pick<Payment, 'id' | 'orderId' | 'status' | 'amount' | 'currency'>,
): Promise<Payment> {
  const payment = manager.getRepository(Payment).create({
    userId: null,
    provider: null,
    providerRef: null,
    failureCode: null,
    failureMessage: null,
    paymentMethod: null,
    nextAction: null,
    awaitingReply: null,
    ...row,
  });
  await manager.getRepository(Payment).insert(payment);
  return payment;
}

async function recordChange(
  manager: EntityManager,
  payment: Pick<Payment, 'id' | 'orderId' | 'status' | 'amount'>,
  cause: PaymentCause,
  ledger?: LedgerKind,
): Promise<void> {
  await manager.getRepository(PaymentStatusChange).insert({
    paymentId: payment.id,
    status: payment.status,
    causeKind: cause.kind,
    causeId: cause.id,
    causeType: cause.type,
  });
  if (ledger === undefined) return;
  await manager.getRepository(PaymentLedgerEntry).insert({
    paymentId: payment.id,
    orderId: payment.orderId,
    kind: ledger,
    amount: payment.amount,
  });
}

/** The cause of a change made by the command of this context. */
export function commandCause(envelope: { readonly messageId: string; readonly type: string }): PaymentCause {
  return { kind: 'command', id: envelope.messageId, type: envelope.type };
}
