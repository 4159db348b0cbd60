import { newUserId, openPaymentTestDatabase, type PaymentTestDatabase } from '../testing/payment-test-database';
import { maxAmount } from '@saga/contracts';
import {
  addToWallet,
  findWallet,
  moveWalletMoney,
  openWallet,
  walletFromLedger,
  walletLedgerPage,
  WalletLimitError,
} from './wallets';

let db: PaymentTestDatabase;
beforeAll(async () => {
  db = await openPaymentTestDatabase();
});
afterAll(() => db.close());

describe('wallets', () => {
  it('credits concurrently without losing a credit', async () => {
    const userId = newUserId();

    await Promise.all(
      Array.from({ length: 10 }, () =>
        db.dataSource.transaction((manager) => addToWallet(manager, userId, { kind: 'credit', amount: 100 })),
      ),
    );

    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: 1_000, held: 0 });
  });

  it('opens a wallet only once, leaving an existing balance as it is', async () => {
    const userId = newUserId();

    const first = await openWallet(db.dataSource.manager, userId, 5_000);
    await db.dataSource.transaction((manager) => addToWallet(manager, userId, { kind: 'credit', amount: 250 }));
    const second = await openWallet(db.dataSource.manager, userId, 5_000);

    expect([first, second]).toEqual([true, false]);
    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: 5_250 });
  });

  it('writes every movement to the ledger, which adds up to the wallet', async () => {
    const userId = newUserId();
    await openWallet(db.dataSource.manager, userId, 5_000);
    await db.dataSource.transaction(async (manager) => {
      await addToWallet(manager, userId, { kind: 'top-up', amount: 2_000 });
      await moveWalletMoney(manager, userId, { kind: 'hold', amount: 3_000 });
      await moveWalletMoney(manager, userId, { kind: 'capture', amount: 1_000 });
      await moveWalletMoney(manager, userId, { kind: 'release', amount: 2_000 });
      await moveWalletMoney(manager, userId, { kind: 'refund', amount: 400 });
    });

    const wallet = await findWallet(db.dataSource.manager, userId);
    expect(wallet).toMatchObject({ balance: 6_400, held: 0 });
    expect(await walletFromLedger(db.dataSource.manager, userId)).toEqual({ balance: 6_400, held: 0 });
    const ledger = await walletLedgerPage(db.dataSource.manager, userId, { limit: 10 });
    expect(ledger.map((e) => [e.kind, e.amount, e.balanceAfter, e.heldAfter])).toEqual([
      ['credit', 5_000, 5_000, 0],
      ['top-up', 2_000, 7_000, 0],
      ['hold', 3_000, 7_000, 3_000],
      ['capture', 1_000, 6_000, 2_000],
      ['release', 2_000, 6_000, 0],
      ['refund', 400, 6_400, 0],
    ]);
  });

  it('refuses a movement that would hold more than the balance, and the ledger stays as it was', async () => {
    const userId = newUserId();
    await openWallet(db.dataSource.manager, userId, 1_000);

    await expect(
      db.dataSource.transaction((manager) => moveWalletMoney(manager, userId, { kind: 'hold', amount: 1_001 })),
    ).rejects.toThrow(/wallets_held_within_balance/);

    expect(await walletLedgerPage(db.dataSource.manager, userId, { limit: 10 })).toHaveLength(1);
  });

  it('refuses a credit that would take the balance past the limit', async () => {
    const userId = newUserId();
    await openWallet(db.dataSource.manager, userId, maxAmount - 10);

    await expect(
      db.dataSource.transaction((manager) => addToWallet(manager, userId, { kind: 'credit', amount: 11 })),
    ).rejects.toBeInstanceOf(WalletLimitError);
    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: maxAmount - 10 });
  });

  it('keeps the ledger append-only', async () => {
    const userId = newUserId();
    await openWallet(db.dataSource.manager, userId, 1_000);
    await expect(
      db.dataSource.query(`UPDATE payment.wallet_ledger SET amount = 1 WHERE user_id = $1`, [userId]),
    ).rejects.toThrow(/append-only/);
  });
});
