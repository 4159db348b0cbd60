import type { EntityManager } from 'typeorm';
import { formatMoney, maxAmount } from '@saga/contracts';
import { amountFromDatabase, preparedQuery, schemaOf } from '@saga/persistence';
import { movementEffect, WalletLedgerEntry, type WalletMovementKind } from './wallet-ledger-entry.entity';
import { Wallet } from './wallet.entity';

/** Thrown when money added to a wallet would take its balance past the most one amount may be. */
export class WalletLimitError extends Error {
  constructor(readonly userId: string) {
    super(`a wallet may hold at most ${formatMoney(maxAmount, 'USD')}; this would take ${userId}'s past it`);
    this.name = 'WalletLimitError';
  }
}

/** The user's wallet, or null if they have none. */
export function findWallet(manager: EntityManager, userId: string): Promise<Wallet | null> {
  return manager.getRepository(Wallet).findOneBy({ userId });
}

/** The user's wallet locked for update until the transaction ends, or null if they have none. */
export function lockWallet(manager: EntityManager, userId: string): Promise<Wallet | null> {
  return manager.getRepository(Wallet).findOne({ where: { userId }, lock: { mode: 'pessimistic_write' } });
}

/** A movement of a wallet's money, and what it belongs to (a payment, a top-up). */
export interface WalletMovement {
  readonly kind: WalletMovementKind;
  readonly amount: number;
  readonly paymentId?: string;
  readonly topUpId?: string;
}

/**
 * Moves money in the user's wallet and writes the movement to its ledger, in one statement: the
 * balance and the ledger cannot disagree. The wallet's checks (nothing negative, held within the
 * balance) refuse a movement that breaks them, which rolls the caller's transaction back.
 */
export async function moveWalletMoney(
  manager: EntityManager,
  userId: string,
  movement: WalletMovement,
): Promise<{ balance: number; held: number }> {
  const s = schemaOf(manager.connection);
  const effect = movementEffect[movement.kind];
  const { rows } = await preparedQuery<{ balance: string; held: string }>(
    manager,
    `WITH moved AS (
       UPDATE "${s}".wallets SET balance = balance + $3::bigint, held = held + $4::bigint, updated_at = now()
        WHERE user_id = $1 RETURNING user_id, balance, held
     )
     INSERT INTO "${s}".wallet_ledger (user_id, kind, amount, payment_id, top_up_id, balance_after, held_after)
     SELECT user_id, $2, $5, $6, $7, balance, held FROM moved
     RETURNING balance_after AS balance, held_after AS held`,
    [
      userId,
      movement.kind,
      effect.balance * movement.amount,
      effect.held * movement.amount,
      movement.amount,
      movement.paymentId ?? null,
      movement.topUpId ?? null,
    ],
  );
  if (!rows[0]) throw new Error(`${userId} has no wallet to move money in`);
  return { balance: amountFromDatabase(rows[0].balance), held: amountFromDatabase(rows[0].held) };
}

/**
 * Adds money to the user's wallet (a credit or a top-up), opening it first if they have none; refuses
 * with WalletLimitError past the limit. Returns the wallet after.
 */
export async function addToWallet(
  manager: EntityManager,
  userId: string,
  movement: WalletMovement & { readonly kind: 'credit' | 'top-up' },
): Promise<Wallet> {
  await ensureWallet(manager, userId);
  const wallet = await lockWallet(manager, userId);
  if (!wallet) throw new Error(`the wallet of ${userId} vanished while it was being credited`);
  if (wallet.balance + movement.amount > maxAmount) throw new WalletLimitError(userId);
  // The movement's statement returns the balance and hold it left: no read after it.
  return Object.assign(wallet, await moveWalletMoney(manager, userId, movement));
}

/** Opens an empty wallet for the user unless they have one. */
export async function ensureWallet(manager: EntityManager, userId: string): Promise<void> {
  await manager.createQueryBuilder().insert().into(Wallet).values({ userId, balance: 0, held: 0 }).orIgnore().execute();
}

/** Opens a wallet with this balance (an opening credit) unless the user has one already; returns whether it was opened. */
export async function openWallet(manager: EntityManager, userId: string, balance: number): Promise<boolean> {
  return manager.transaction(async (tx) => {
    const inserted = await tx
      .createQueryBuilder()
      .insert()
      .into(Wallet)
      .values({ userId, balance: 0, held: 0 })
      .orIgnore()
      .returning(['userId'])
      .execute();
    if (inserted.raw.length === 0) return false;
    if (balance > 0) await moveWalletMoney(tx, userId, { kind: 'credit', amount: balance });
    return true;
  });
}

/** A page of the wallet's ledger, oldest first, after the entry with this id. */
export function walletLedgerPage(
  manager: EntityManager,
  userId: string,
  page: { readonly after?: string; readonly limit: number },
): Promise<WalletLedgerEntry[]> {
  const query = manager
    .getRepository(WalletLedgerEntry)
    .createQueryBuilder('entry')
    .where('entry.user_id = :userId', { userId })
    .orderBy('entry.id', 'ASC')
    .limit(page.limit);
  if (page.after !== undefined) query.andWhere('entry.id > :after', { after: page.after });
  return query.getMany();
}

/**
 * The balance and the held amount of the user's wallet as its ledger adds them up, movement by
 * movement: what the wallet row must always say.
 */
export async function walletFromLedger(
  manager: EntityManager,
  userId: string,
): Promise<{ balance: number; held: number }> {
  const sumOf = (part: 'balance' | 'held') =>
    `coalesce(sum(amount * CASE kind ${Object.entries(movementEffect)
      .map(([kind, effect]) => `WHEN '${kind}' THEN ${effect[part]}`)
      .join(' ')} END), 0)`;
  const { rows } = await preparedQuery<{ balance: string; held: string }>(
    manager,
    `SELECT ${sumOf('balance')} AS balance, ${sumOf('held')} AS held
       FROM "${schemaOf(manager.connection)}".wallet_ledger WHERE user_id = $1`,
    [userId],
  );
  return { balance: amountFromDatabase(rows[0].balance), held: amountFromDatabase(rows[0].held) };
}
