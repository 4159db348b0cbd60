import type { EntityManager } from 'typeorm';
import { Wallet } from './wallet.entity';

/** The user's wallet, or null if they have none. */
export function findWallet(manager: EntityManager, userId: string): Promise<Wallet | null> {
  return manager.getRepository(Wallet).findOneBy({ userId });
}

/** The user's wallet locked for update until the transaction ends, or null if they have none. */
export function lockWallet(manager: EntityManager, userId: string): Promise<Wallet | null> {
  return manager.getRepository(Wallet).findOne({ where: { userId }, lock: { mode: 'pessimistic_write' } });
}

/** Adds money to the user's wallet, opening it first if they have none; returns the wallet after. */
export async function creditWallet(manager: EntityManager, userId: string, amount: number): Promise<Wallet> {
  const table = manager.getRepository(Wallet).metadata.tablePath;
  await manager.query(
    `INSERT INTO ${table} (user_id, balance, held) VALUES ($1, $2, 0)
     ON CONFLICT (user_id) DO UPDATE SET balance = wallets.balance + EXCLUDED.balance, updated_at = now()`,
    [userId, amount],
  );
  return manager.getRepository(Wallet).findOneByOrFail({ userId });
}

/** Opens a wallet with this balance unless the user has one already; returns whether it was opened. */
export async function openWallet(manager: EntityManager, userId: string, balance: number): Promise<boolean> {
  const inserted = await manager
    .createQueryBuilder()
    .insert()
    .into(Wallet)
    .values({ userId, balance, held: 0 })
    .orIgnore()
    .returning(['userId'])
    .execute();
  return inserted.raw.length > 0;
}
