import { randomUUID } from 'node:crypto';
import { FailureCode, type PaymentAuthorize } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { findPaymentWithLedger } from '../domain/payments';
import {
  fundWallet,
  newUserId,
  openPaymentTestDatabase,
  paymentCommands,
  walletInvariants,
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

async function authorizedWalletOrder(amount: number, funded = 10_000) {
  const userId = newUserId();
  await fundWallet(db.dataSource, userId, funded);
  const order: PaymentAuthorize = {
    orderId: randomUUID(),
    userId,
    amount,
    currency: 'USD',
    paymentMethod: { method: 'wallet' },
  };
  expect(await authorize(order)).toMatchObject({ outcome: 'success' });
  return order;
}

describe('voiding a payment', () => {
  it('releases the wallet hold without moving money and marks the payment VOIDED', async () => {
    const order = await authorizedWalletOrder(4_000);

    const outcome = await voidOrder(order.orderId);

    expect(outcome).toEqual({ outcome: 'success', result: {} });
    expect(await walletInvariants(db.dataSource, order.userId)).toMatchObject({
      balance: 10_000,
      held: 0,
      captured: 0,
    });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment.status).toBe('VOIDED');
    expect(found?.ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['authorize', 4_000],
      ['void', 4_000],
    ]);
  });

  it('releases the hold once when the void is sent again with a new command', async () => {
    const order = await authorizedWalletOrder(4_000);

    const outcomes = await Promise.all([voidOrder(order.orderId), voidOrder(order.orderId), voidOrder(order.orderId)]);

    expect(outcomes).toEqual(Array(3).fill({ outcome: 'success', result: {} }));
    expect(await walletInvariants(db.dataSource, order.userId)).toMatchObject({ balance: 10_000, held: 0 });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.ledger.map((e) => e.kind)).toEqual(['authorize', 'void']);
  });

  it('leaves a tombstone when nothing was authorized for the order', async () => {
    const orderId = randomUUID();

    const outcome = await voidOrder(orderId);

    expect(outcome).toEqual({ outcome: 'success', result: {} });
    const found = await findPaymentWithLedger(db.dataSource.manager, orderId);
    expect(found?.payment).toMatchObject({ status: 'VOIDED', provider: null, userId: null, amount: 0 });
  });

  it('succeeds without changes when the payment was declined', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 1_000);
    const orderId = randomUUID();
    await authorize({ orderId, userId, amount: 5_000, currency: 'USD', paymentMethod: { method: 'wallet' } });

    const outcome = await voidOrder(orderId);

    expect(outcome).toEqual({ outcome: 'success', result: {} });
    const found = await findPaymentWithLedger(db.dataSource.manager, orderId);
    expect(found?.payment.status).toBe('DECLINED');
    expect(found?.ledger.map((e) => e.kind)).toEqual(['decline']);
  });

  it('refuses with invalid_state once the payment was captured, and keeps the capture', async () => {
    const order = await authorizedWalletOrder(4_000);
    await capture(order.orderId);

    const outcome = await voidOrder(order.orderId);

    expect(outcome).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.InvalidState } });
    expect(await walletInvariants(db.dataSource, order.userId)).toMatchObject({
      balance: 6_000,
      held: 0,
      captured: 4_000,
    });
  });

  it('never leaves money held when a void races the authorization it compensates', async () => {
    const userId = newUserId();
    await fundWallet(db.dataSource, userId, 100_000);
    const orders = Array.from({ length: 15 }, (): PaymentAuthorize => ({
      orderId: randomUUID(),
      userId,
      amount: 1_000,
      currency: 'USD',
      paymentMethod: { method: 'wallet' },
    }));

    await Promise.all(orders.flatMap((order) => [authorize(order), voidOrder(order.orderId)]));

    expect(await walletInvariants(db.dataSource, userId)).toMatchObject({ balance: 100_000, held: 0, authorized: 0 });
    for (const order of orders) {
      const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
      expect(found?.payment.status).toBe('VOIDED');
    }
  });
});
