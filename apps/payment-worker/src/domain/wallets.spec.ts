import { newUserId, openPaymentTestDatabase, type PaymentTestDatabase } from '../testing/payment-test-database';
import { creditWallet, findWallet, openWallet } from './wallets';

let db: PaymentTestDatabase;
beforeAll(async () => {
  db = await openPaymentTestDatabase();
});
afterAll(() => db.close());

describe('wallets', () => {
  it('credits concurrently without losing a credit', async () => {
    const userId = newUserId();

    await Promise.all(
      Array.from({ length: 10 }, () => db.dataSource.transaction((manager) => creditWallet(manager, userId, 100))),
    );

    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: 1_000, held: 0 });
  });

  it('opens a wallet only once, leaving an existing balance as it is', async () => {
    const userId = newUserId();

    const first = await openWallet(db.dataSource.manager, userId, 5_000);
    await db.dataSource.transaction((manager) => creditWallet(manager, userId, 250));
    const second = await openWallet(db.dataSource.manager, userId, 5_000);

    expect([first, second]).toEqual([true, false]);
    expect(await findWallet(db.dataSource.manager, userId)).toMatchObject({ balance: 5_250 });
  });
});
