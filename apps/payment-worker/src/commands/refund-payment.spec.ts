import { randomUUID } from 'node:crypto';
import { FailureCode } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { findPaymentWithLedger } from '../domain/payments';
import { walletLedgerPage } from '../domain/wallets';
import {
  cardOrder,
  fundWallet,
  newUserId,
  openPaymentTestDatabase,
  paymentCommands,
  walletInvariants,
  walletOrder,
  type PaymentTestDatabase,
} from '../testing/payment-test-database';

let db: PaymentTestDatabase;
beforeAll(async () => {
  db = await openPaymentTestDatabase();
});
afterAll(() => db.close());

const sent: PendingMessage[] = [];
afterEach(() => expect(sent).toEqual([]));

const { authorize, capture, refund, voidOrder } = paymentCommands(() => db, sent);

/** A wallet order of this many cents, authorized and captured. */
async function capturedWalletOrder(userId: string, amount: number): Promise<string> {
  const order = walletOrder(userId, amount);
  await authorize(order);
  await capture(order.orderId);
  return order.orderId;
}

describe('refunding a payment', () => {
  it('credits a wallet back, in parts summing to what was taken, and marks the payment as it goes', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const orderId = await capturedWalletOrder(userId, 6_000);

    const first = await refund(orderId, randomUUID(), 2_500);
    const afterFirst = (await findPaymentWithLedger(db.dataSource.manager, orderId))?.payment.status;
    const second = await refund(orderId, randomUUID(), 3_500);

    expect(first).toMatchObject({ outcome: 'success', result: { amount: 2_500, refundedInAll: 2_500 } });
    expect(second).toMatchObject({ outcome: 'success', result: { amount: 3_500, refundedInAll: 6_000 } });
    expect(afterFirst).toBe('PARTIALLY_REFUNDED');
    const found = await findPaymentWithLedger(db.dataSource.manager, orderId);
    expect(found?.payment).toMatchObject({ status: 'REFUNDED', refunded: 6_000 });
    expect(found?.ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['authorize', 6_000],
      ['capture', 6_000],
      ['refund', 2_500],
      ['refund', 3_500],
    ]);
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 10_000, held: 0 });
    const ledger = await walletLedgerPage(db.dataSource.manager, userId, { limit: 10 });
    expect(ledger.filter((e) => e.kind === 'refund').map((e) => e.amount)).toEqual([2_500, 3_500]);
  });

  it('refuses a refund past what is left with amount_too_large, and gives nothing back', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const orderId = await capturedWalletOrder(userId, 4_000);
    await refund(orderId, randomUUID(), 3_000);

    const past = await refund(orderId, randomUUID(), 1_001);

    expect(past).toMatchObject({
      outcome: 'failure',
      failure: {
        code: FailureCode.AmountTooLarge,
        message: 'Only $10.00 of this payment is left to refund; $10.01 was asked for.',
      },
    });
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 9_000 });
  });

  it('gives money back once per refund, however often the command comes, even at the same time', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const orderId = await capturedWalletOrder(userId, 4_000);
    const refundId = randomUUID();

    const outcomes = await Promise.all(Array.from({ length: 6 }, () => refund(orderId, refundId, 1_000)));

    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 7_000 });
  });

  it('never refunds more than was taken when different refunds race', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const orderId = await capturedWalletOrder(userId, 5_000);

    const outcomes = await Promise.all(Array.from({ length: 8 }, () => refund(orderId, randomUUID(), 1_000)));

    expect(outcomes.filter((o) => o.outcome === 'success')).toHaveLength(5);
    expect((await findPaymentWithLedger(db.dataSource.manager, orderId))?.payment).toMatchObject({
      status: 'REFUNDED',
      refunded: 5_000,
    });
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 10_000 });
  });

  it('refunds a card payment through its provider under the refund key', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa', { amount: 3_000 });
    await authorize(order);
    await capture(order.orderId);
    const refundId = randomUUID();

    expect(await refund(order.orderId, refundId, 3_000)).toMatchObject({
      outcome: 'success',
      result: { refundedInAll: 3_000 },
    });
    const [row] = (await db.dataSource.query(
      `SELECT status, provider_ref FROM payment.payment_refunds WHERE refund_id = $1`,
      [refundId],
    )) as { status: string; provider_ref: string }[];
    expect(row).toEqual({ status: 'SUCCEEDED', provider_ref: expect.stringMatching(/^re_test_/) });
  });

  it('refuses to refund a payment that was never taken', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const held = walletOrder(userId, 1_000);
    await authorize(held);
    const voided = walletOrder(userId, 1_000);
    await authorize(voided);
    await voidOrder(voided.orderId);

    for (const orderId of [held.orderId, voided.orderId, randomUUID()]) {
      expect(await refund(orderId, randomUUID(), 500)).toMatchObject({ failure: { code: FailureCode.InvalidState } });
    }
  });
});
