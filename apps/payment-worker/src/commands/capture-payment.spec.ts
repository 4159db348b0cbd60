import { randomUUID } from 'node:crypto';
import { FailureCode } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { findPaymentWithLedger } from '../domain/payments';
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

// Handlers send nothing besides their reply, which the command processor sends.
const sent: PendingMessage[] = [];
afterEach(() => expect(sent).toEqual([]));

const { authorize, voidOrder, capture } = paymentCommands(() => db, sent);

describe('capturing a payment', () => {
  it('debits the held amount from the wallet and marks the payment CAPTURED', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = walletOrder(userId, 4_500);
    const authorized = await authorize(order);

    const outcome = await capture(order.orderId);

    expect(authorized.outcome).toBe('success');
    expect(outcome).toEqual({
      outcome: 'success',
      result: { paymentId: authorized.outcome === 'success' ? authorized.result.paymentId : '', amount: 4_500 },
    });
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 5_500, held: 0, captured: 4_500 });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment.status).toBe('CAPTURED');
    expect(found?.ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['authorize', 4_500],
      ['capture', 4_500],
    ]);
  });

  it('captures once when the capture is sent twice with different commands', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = walletOrder(userId, 4_500);
    await authorize(order);

    const first = await capture(order.orderId);
    const second = await capture(order.orderId);

    expect(second).toEqual(first);
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({
      balance: 5_500,
      held: 0,
      captured: 4_500,
      captures: 1,
    });
  });

  it('captures once when retries of the capture arrive at the same time', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = walletOrder(userId, 4_500);
    await authorize(order);

    const outcomes = await Promise.all(Array.from({ length: 8 }, () => capture(order.orderId)));

    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 5_500, captures: 1 });
  });

  it('captures a card payment without touching any wallet', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = await cardOrder(db.dataSource, 'pm_card_visa', { amount: 2_000, userId });
    const { orderId } = order;
    await authorize(order);

    const outcome = await capture(orderId);

    expect(outcome).toMatchObject({ outcome: 'success', result: { amount: 2_000 } });
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 10_000, held: 0 });
  });

  it('refuses with invalid_state when nothing was authorized for the order', async () => {
    const outcome = await capture(randomUUID());

    expect(outcome).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.InvalidState } });
  });

  it('refuses with invalid_state when the payment was voided or declined', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 3_000);
    const voided = walletOrder(userId, 1_000);
    await authorize(voided);
    await voidOrder(voided.orderId);
    const declined = walletOrder(userId, 9_000);
    await authorize(declined);

    const outcomes = [await capture(voided.orderId), await capture(declined.orderId)];

    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.InvalidState } });
    }
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 3_000, held: 0, captured: 0 });
  });
});

describe('money on a busy wallet', () => {
  it('is conserved, never negative and never over-held when orders authorize, capture and void at once', async () => {
    const userId = newUserId();
    const funded = 20_000;
    await fundWallet(db.dataSource, userId, funded);
    const orders = Array.from({ length: 24 }, (_, i) => walletOrder(userId, 700 + 100 * (i % 5)));

    await Promise.all(
      orders.map(async (order, i) => {
        await authorize(order);
        // Each order then goes one of three ways, with duplicates, while the others run.
        if (i % 3 === 0) await Promise.all([capture(order.orderId), capture(order.orderId)]);
        if (i % 3 === 1) await Promise.all([voidOrder(order.orderId), authorize(order)]);
      }),
    );

    const wallet = await walletInvariants(db.dataSource, userId);
    expect(wallet.balance + wallet.captured).toBe(funded);
    expect(wallet.balance).toBeGreaterThanOrEqual(0);
    expect(wallet.held).toBeLessThanOrEqual(wallet.balance);
    expect(wallet.held).toBe(wallet.authorized);
    const { count } = (
      await db.dataSource.query(
        `SELECT count(*)::int AS count FROM payment.payment_ledger WHERE kind = 'capture'
         GROUP BY payment_id ORDER BY count DESC LIMIT 1`,
      )
    )[0] as { count: number };
    expect(count).toBe(1);
  });
});
