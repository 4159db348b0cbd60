import { randomUUID } from 'node:crypto';
import { FailureCode, type PaymentAuthorize } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { PaymentMethodNotReceivedError, untakenPaymentMethods } from '../domain/order-payment-methods';
import { findPaymentWithLedger } from '../domain/payments';
import { findWallet } from '../domain/wallets';
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

const { authorize, voidOrder } = paymentCommands(() => db, sent);

describe('authorizing a wallet payment', () => {
  it('holds the amount on the wallet and records an AUTHORIZED payment', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = walletOrder(userId, 4_200);

    const outcome = await authorize(order);

    expect(outcome).toEqual({ outcome: 'success', result: { paymentId: expect.any(String), provider: 'wallet' } });
    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: 10_000, held: 4_200 });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment).toMatchObject({ status: 'AUTHORIZED', provider: 'wallet', amount: 4_200, userId });
    expect(found?.ledger.map((e) => [e.kind, e.amount])).toEqual([['authorize', 4_200]]);
  });

  it('declines with insufficient_funds, saying what is available, when the wallet cannot cover the order', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 1_200);

    const outcome = await authorize(walletOrder(userId, 5_000));

    expect(outcome).toEqual({
      outcome: 'failure',
      failure: {
        code: FailureCode.InsufficientFunds,
        message: 'Your wallet balance is too low: $12.00 available, $50.00 needed.',
      },
    });
    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: 1_200, held: 0 });
  });

  it('counts money already held for other orders as unavailable', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    await authorize(walletOrder(userId, 7_000));

    const outcome = await authorize(walletOrder(userId, 5_000));

    expect(outcome).toMatchObject({
      outcome: 'failure',
      failure: { message: 'Your wallet balance is too low: $30.00 available, $50.00 needed.' },
    });
  });

  it('declines with payment_method_invalid when the shopper has no wallet', async () => {
    const order = walletOrder(newUserId(), 1_000);

    const outcome = await authorize(order);

    expect(outcome).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.PaymentMethodInvalid } });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment).toMatchObject({ status: 'DECLINED', failureCode: FailureCode.PaymentMethodInvalid });
  });

  it('holds the money once when the same order is authorized again with a new command', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = walletOrder(userId, 3_000);

    const first = await authorize(order);
    const second = await authorize(order);

    expect(second).toEqual(first);
    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ held: 3_000 });
  });

  it('holds the money once when retries of one order arrive at the same time', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = walletOrder(userId, 3_000);

    const outcomes = await Promise.all(Array.from({ length: 10 }, () => authorize(order)));

    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({
      balance: 10_000,
      held: 3_000,
      authorized: 3_000,
    });
  });

  it('answers a retry of a declined order with the same decline, even after the wallet was topped up', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 1_000);
    const order = walletOrder(userId, 2_000);
    const first = await authorize(order);
    await fundWallet(db.dataSource, userId, 5_000);

    const second = await authorize(order);

    expect(first).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.InsufficientFunds } });
    expect(second).toEqual(first);
    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: 6_000, held: 0 });
  });

  it('never holds more than the balance when many orders authorize on one wallet at once', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);

    const outcomes = await Promise.all(Array.from({ length: 20 }, () => authorize(walletOrder(userId, 1_500))));

    expect(outcomes.filter((o) => o.outcome === 'success')).toHaveLength(6);
    expect(
      outcomes.filter((o) => o.outcome === 'failure' && o.failure.code === FailureCode.InsufficientFunds),
    ).toHaveLength(14);
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({
      balance: 10_000,
      held: 9_000,
      authorized: 9_000,
    });
  });

  it('refuses with invalid_state and holds nothing when the order was voided before it arrived', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = walletOrder(userId, 2_500);
    await voidOrder(order.orderId);

    const outcome = await authorize(order);

    expect(outcome).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.InvalidState } });
    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: 10_000, held: 0 });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment).toMatchObject({ status: 'VOIDED', provider: null, amount: 0 });
    expect(found?.ledger).toEqual([]);
  });
});

describe('authorizing a card payment', () => {
  it('uses the token order-api handed over for the order, and keeps it no longer than the authorization', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa');

    expect(await authorize(order)).toMatchObject({ outcome: 'success' });

    const [{ n }] = (await db.dataSource.query(
      `SELECT count(*)::int AS n FROM payment.order_payment_methods WHERE order_id = $1`,
      [order.orderId],
    )) as { n: number }[];
    expect(n).toBe(0);
  });

  it('leaves a card authorization to be retried while its payment method has not arrived, changing nothing', async () => {
    const order: PaymentAuthorize = {
      orderId: randomUUID(),
      userId: newUserId(),
      amount: 1_000,
      currency: 'USD',
      paymentMethod: { method: 'card' },
    };

    await expect(authorize(order)).rejects.toThrow(PaymentMethodNotReceivedError);
    expect(await findPaymentWithLedger(db.dataSource.manager, order.orderId)).toBeNull();
  });

  it('forgets a token no authorization took within a day, and keeps a newer one', async () => {
    const stale = await cardOrder(db.dataSource, 'pm_card_visa');
    const fresh = await cardOrder(db.dataSource, 'pm_card_visa');
    await db.dataSource.query(
      `UPDATE payment.order_payment_methods SET received_at = now() - interval '25 hours' WHERE order_id = $1`,
      [stale.orderId],
    );
    const cutoff = new Date(Date.now() - untakenPaymentMethods.retentionMs);

    await db.dataSource.transaction((manager) => untakenPaymentMethods.deleteBatch(manager, cutoff, 100));

    const left = (await db.dataSource.query(
      `SELECT order_id FROM payment.order_payment_methods WHERE order_id = ANY($1)`,
      [[stale.orderId, fresh.orderId]],
    )) as { order_id: string }[];
    expect(left.map((r) => r.order_id)).toEqual([fresh.orderId]);
    await expect(authorize(stale)).rejects.toThrow(PaymentMethodNotReceivedError);
  });

  it('does not take a payment method handed over for another shopper', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa');

    await expect(authorize({ ...order, userId: newUserId() })).rejects.toThrow(PaymentMethodNotReceivedError);
  });

  it.each(['pm_card_visa', 'pm_card_mastercard'])('authorizes %s with a test payment intent', async (token) => {
    const order = await cardOrder(db.dataSource, token);

    const outcome = await authorize(order);

    expect(outcome).toEqual({ outcome: 'success', result: { paymentId: expect.any(String), provider: 'test-card' } });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment.providerRef).toMatch(/^pi_test_[0-9a-f]{24}$/);
  });

  it('records a DECLINED payment and moves no money when the card is declined', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 10_000);
    const order = await cardOrder(db.dataSource, 'pm_card_visa_chargeDeclined', { userId });

    const outcome = await authorize(order);

    expect(outcome).toEqual({
      outcome: 'failure',
      failure: { code: FailureCode.CardDeclined, message: 'Your card was declined.' },
    });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment).toMatchObject({
      status: 'DECLINED',
      provider: 'test-card',
      providerRef: null,
      failureCode: FailureCode.CardDeclined,
      failureMessage: 'Your card was declined.',
    });
    expect(found?.ledger.map((e) => e.kind)).toEqual(['decline']);
    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 10_000, held: 0, captured: 0 });
  });

  it.each([
    ['pm_card_chargeDeclined', FailureCode.CardDeclined, 'Your card was declined.'],
    ['pm_card_chargeDeclinedInsufficientFunds', FailureCode.InsufficientFunds, 'Your card has insufficient funds.'],
    [
      'pm_card_visa_chargeDeclinedInsufficientFunds',
      FailureCode.InsufficientFunds,
      'Your card has insufficient funds.',
    ],
    ['pm_card_unknown', FailureCode.PaymentMethodInvalid, expect.stringContaining('card cannot be used')],
    ['toString', FailureCode.PaymentMethodInvalid, expect.stringContaining('card cannot be used')],
  ])('declines %s with %s', async (token, code, message) => {
    const outcome = await authorize(await cardOrder(db.dataSource, token));

    expect(outcome).toEqual({ outcome: 'failure', failure: { code, message } });
  });
});
