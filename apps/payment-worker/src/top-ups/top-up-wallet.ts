import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { FailureCode, maxAmount, type Currency, type Failure } from '@saga/contracts';
import type { Logger } from '@saga/observability';
import { ensureWallet, lockWallet, moveWalletMoney, WalletLimitError } from '../domain/wallets';
import type { CardAuthorizationRequest, CardProviders } from '../providers/payment-provider';
import { TopUpStatus, WalletTopUp } from './wallet-top-up.entity';

/** A shopper's request to pay money into their wallet by card. */
export interface TopUpRequest {
  readonly userId: string;
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly token: string;
}

/** Thrown when an Idempotency-Key comes back with another top-up than the one it was first used with. */
export class TopUpKeyReusedError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`Idempotency-Key ${idempotencyKey} was already used for another top-up`);
    this.name = 'TopUpKeyReusedError';
  }
}

/** Thrown when the card provider could not be reached: the top-up stays PENDING and is finished later. */
export class CardProviderUnavailableError extends Error {
  constructor(
    readonly topUpId: string,
    cause: unknown,
  ) {
    super(`the card provider could not be reached for top-up ${topUpId}`, { cause });
    this.name = 'CardProviderUnavailableError';
  }
}

/** A card's answer to a top-up: the money is taken, or the card was refused and why. */
type TopUpAnswer =
  | { readonly status: 'taken'; readonly providerRef: string }
  | { readonly status: 'declined'; readonly failure: Failure };

/**
 * Pays money into the shopper's wallet by card, once per Idempotency-Key: the top-up's intent
 * (PENDING) is recorded, the card authorized and captured with no transaction open under the
 * top-up's keys, and the answer recorded with the wallet's credit. The same key again answers with
 * the same top-up; one left PENDING by a crash is finished by its retry or by resumePendingTopUps.
 */
export async function topUpWallet(
  dataSource: DataSource,
  cards: CardProviders,
  request: TopUpRequest,
): Promise<WalletTopUp> {
  const topUp = await dataSource.transaction((manager) => claimTopUp(manager, cards, request));
  return topUp.status === TopUpStatus.Pending ? finishTopUp(dataSource, cards, topUp) : topUp;
}

/** Finishes top-ups a crash left PENDING for longer than olderThanMs; returns how many it finished. */
export async function resumePendingTopUps(
  dataSource: DataSource,
  cards: CardProviders,
  { olderThanMs, logger }: { readonly olderThanMs: number; readonly logger: Logger },
): Promise<number> {
  const pending = await dataSource
    .getRepository(WalletTopUp)
    .createQueryBuilder('t')
    .where('t.status = :pending', { pending: TopUpStatus.Pending })
    .andWhere(`t.created_at < now() - make_interval(secs => :seconds)`, { seconds: olderThanMs / 1000 })
    .orderBy('t.created_at')
    .limit(100)
    .getMany();
  let finished = 0;
  for (const topUp of pending) {
    try {
      const done = await finishTopUp(dataSource, cards, topUp);
      logger.info('pending top-up finished', { topUpId: topUp.id, userId: topUp.userId, status: done.status });
      finished += 1;
    } catch (error) {
      // Left PENDING for the next pass; the others are not held up by it.
      logger.warn('pending top-up could not be finished yet', { topUpId: topUp.id, error });
    }
  }
  return finished;
}

async function claimTopUp(manager: EntityManager, cards: CardProviders, request: TopUpRequest): Promise<WalletTopUp> {
  const repository = manager.getRepository(WalletTopUp);
  const requestHash = hashOf(request);
  const inserted = await manager
    .createQueryBuilder()
    .insert()
    .into(WalletTopUp)
    .values({
      id: randomUUID(),
      userId: request.userId,
      idempotencyKey: request.idempotencyKey,
      requestHash,
      amount: request.amount,
      currency: request.currency,
      provider: cards.current,
      status: TopUpStatus.Pending,
      paymentMethod: { method: 'card', token: request.token },
    })
    .orIgnore()
    .returning(['id'])
    .execute();
  const topUp = await repository.findOneByOrFail({ userId: request.userId, idempotencyKey: request.idempotencyKey });
  if (topUp.requestHash !== requestHash) throw new TopUpKeyReusedError(request.idempotencyKey);
  if (inserted.raw.length > 0) {
    // Checked before the card is charged, so a top-up never takes money it cannot credit.
    const wallet = await lockWallet(manager, request.userId);
    if ((wallet?.balance ?? 0) + request.amount > maxAmount) throw new WalletLimitError(request.userId);
  }
  return topUp;
}

async function finishTopUp(dataSource: DataSource, cards: CardProviders, topUp: WalletTopUp): Promise<WalletTopUp> {
  const answer = await chargeCard(cards, topUp).catch((error: unknown) => {
    throw new CardProviderUnavailableError(topUp.id, error);
  });
  return dataSource.transaction(async (manager) => {
    const current = await manager
      .getRepository(WalletTopUp)
      .findOneOrFail({ where: { id: topUp.id }, lock: { mode: 'pessimistic_write' } });
    // A concurrent retry of the same key recorded the answer first.
    if (current.status !== TopUpStatus.Pending) return current;
    const base = { paymentMethod: null, updatedAt: new Date() };
    if (answer.status === 'declined') {
      Object.assign(current, base, {
        status: TopUpStatus.Declined,
        failureCode: answer.failure.code,
        failureMessage: answer.failure.message,
      });
    } else {
      await ensureWallet(manager, current.userId);
      await moveWalletMoney(manager, current.userId, { kind: 'top-up', amount: current.amount, topUpId: current.id });
      Object.assign(current, base, { status: TopUpStatus.Succeeded, providerRef: answer.providerRef });
    }
    return manager.getRepository(WalletTopUp).save(current);
  });
}

/** Authorizes and captures the card at once, under the top-up's own keys; safe to repeat. */
async function chargeCard(cards: CardProviders, topUp: WalletTopUp): Promise<TopUpAnswer> {
  const method = topUp.paymentMethod;
  if (method?.method !== 'card') throw new Error(`top-up ${topUp.id} is PENDING without a card`);
  const request: CardAuthorizationRequest = {
    provider: topUp.provider,
    amount: topUp.amount,
    currency: topUp.currency,
    token: method.token,
    idempotencyKey: `top-up:${topUp.id}:authorize`,
    metadata: { topUpId: topUp.id, userId: topUp.userId },
  };
  const authorization = await cards.authorize(request);
  if (authorization.status === 'declined') return authorization;
  const settlement = { provider: topUp.provider, providerRef: authorization.providerRef, amount: topUp.amount };
  if (authorization.status === 'requires-action') {
    await cards.void({ ...settlement, idempotencyKey: `top-up:${topUp.id}:void` });
    return {
      status: 'declined',
      failure: {
        code: FailureCode.CardDeclined,
        message: 'This card asks for 3-D Secure, which wallet top-ups do not take; top up with another card.',
      },
    };
  }
  const captured = await cards.capture({ ...settlement, idempotencyKey: `top-up:${topUp.id}:capture` });
  if (captured.status === 'refused') {
    return { status: 'declined', failure: { code: FailureCode.CardDeclined, message: captured.reason } };
  }
  return { status: 'taken', providerRef: authorization.providerRef };
}

function hashOf(request: TopUpRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.amount, request.currency, request.token]))
    .digest('hex');
}
