import { z } from 'zod';
import { Cents, Currency, FailureCode, maxAmount, identifier, UserId } from '@saga/contracts';
import type { FastifyRequest } from 'fastify';
import { Role, staff, type Access } from '@saga/identity';
import {
  callerOf,
  HttpProblem,
  idempotencyKeyOf,
  IdempotencyKeyHeaders,
  type HttpApp,
  LedgerPageQuery,
} from '@saga/runtime';
import type { DataSource } from 'typeorm';
import { availableFunds, type Wallet } from '../domain/wallet.entity';
import { WalletMovementKind } from '../domain/wallet-ledger-entry.entity';
import { addToWallet, findWallet, walletLedgerPage, WalletLimitError } from '../domain/wallets';
import type { CardProviders } from '../providers/payment-provider';
import { CardProviderUnavailableError, topUpWallet, TopUpKeyReusedError } from '../top-ups/top-up-wallet';
import { TopUpStatus, WalletTopUp } from '../top-ups/wallet-top-up.entity';

/** What the wallet routes read and change, and the card providers top-ups are paid through. */
export interface WalletRoutesContext {
  readonly dataSource: DataSource;
  readonly cards: CardProviders;
}

const WalletParams = z.object({ userId: UserId });
const TopUpParams = z.object({ topUpId: z.uuid() });

/** A wallet as the API shows it; available is what authorizations can still hold. */
export const WalletView = z.object({
  userId: z.string(),
  // Not Cents: concurrent top-ups, each checked alone, may take a balance past the limit one amount has.
  balance: z.int().nonnegative(),
  held: z.int().nonnegative(),
  available: z.int().nonnegative(),
  currency: Currency,
});
export type WalletView = z.infer<typeof WalletView>;

const PositiveAmount = z.int().positive().max(maxAmount);

export const CreditRequest = z.object({ amount: PositiveAmount });
export type CreditRequest = z.infer<typeof CreditRequest>;

const TopUpBody = z.object({
  amount: PositiveAmount,
  currency: Currency.default('USD'),
  paymentMethod: z.object({ method: z.literal('card'), token: identifier(200) }),
});

const TopUpView = z.object({
  topUpId: z.uuid(),
  userId: z.string(),
  amount: Cents,
  currency: Currency,
  status: z.enum(TopUpStatus),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
});

const LedgerPage = z.object({
  userId: z.string(),
  entries: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(WalletMovementKind),
      amount: Cents,
      paymentId: z.uuid().nullable(),
      topUpId: z.uuid().nullable(),
      balanceAfter: Cents,
      heldAfter: Cents,
      at: z.iso.datetime({ offset: true }),
    }),
  ),
  /** Pass as `after` to read on; null when this page reached the end. */
  next: z.string().nullable(),
});

function walletView(wallet: Wallet): WalletView {
  return {
    userId: wallet.userId,
    balance: wallet.balance,
    held: wallet.held,
    available: availableFunds(wallet),
    currency: 'USD',
  };
}

function topUpView(topUp: WalletTopUp): z.infer<typeof TopUpView> {
  return {
    topUpId: topUp.id,
    userId: topUp.userId,
    amount: topUp.amount,
    currency: topUp.currency,
    status: topUp.status,
    failure:
      topUp.failureCode === null
        ? null
        : { code: topUp.failureCode, message: topUp.failureMessage ?? topUp.failureCode },
    createdAt: topUp.createdAt.toISOString(),
  };
}

function refusedPastLimit(error: unknown): never {
  if (error instanceof WalletLimitError) throw HttpProblem.unprocessable(error.message, { field: 'amount' });
  throw error;
}

/** Whose wallet a set of read routes shows: the caller's own, or (for the shop's admins) anyone's. */
const audiences = [
  {
    path: '/me/wallet',
    access: 'signed-in',
    params: z.object({}),
    userOf: (request: FastifyRequest) => callerOf(request).userId,
  },
  {
    path: '/admin/wallets/:userId',
    access: staff(Role.Admin),
    params: WalletParams,
    userOf: (request: FastifyRequest) => (request.params as { userId: string }).userId,
  },
] as const satisfies readonly {
  path: string;
  access: Access;
  params: z.ZodType;
  userOf: (request: FastifyRequest) => string;
}[];

/**
 * A wallet: its balance, its ledger (every movement, oldest first, a page at a time), and top-ups by
 * card (POST with an Idempotency-Key: the same key answers with the same top-up). A shopper reads and
 * tops up their own under /me/wallet; the shop's admins read anyone's and credit it under /admin/wallets.
 */
export function registerWalletRoutes(app: HttpApp, { dataSource, cards }: WalletRoutesContext): void {
  for (const { path, access, params, userOf } of audiences) {
    app.get(path, { config: { access }, schema: { params, response: { 200: WalletView } } }, async (request) => {
      const userId = userOf(request);
      const wallet = await findWallet(dataSource.manager, userId);
      if (!wallet) throw HttpProblem.notFound(`${userId} has no wallet`);
      return walletView(wallet);
    });

    app.get(
      `${path}/ledger`,
      { config: { access }, schema: { params, querystring: LedgerPageQuery, response: { 200: LedgerPage } } },
      async (request) => {
        const userId = userOf(request);
        if (!(await findWallet(dataSource.manager, userId))) throw HttpProblem.notFound(`${userId} has no wallet`);
        const entries = await walletLedgerPage(dataSource.manager, userId, request.query);
        return {
          userId,
          entries: entries.map((entry) => ({
            id: entry.id,
            kind: entry.kind,
            amount: entry.amount,
            paymentId: entry.paymentId,
            topUpId: entry.topUpId,
            balanceAfter: entry.balanceAfter,
            heldAfter: entry.heldAfter,
            at: entry.at.toISOString(),
          })),
          next: entries.length === request.query.limit ? (entries.at(-1)?.id ?? null) : null,
        };
      },
    );
  }

  app.post(
    '/me/wallet/top-ups',
    {
      config: { access: 'signed-in' },
      schema: {
        headers: IdempotencyKeyHeaders,
        body: TopUpBody,
        response: { 201: TopUpView.extend({ wallet: WalletView }) },
      },
    },
    async (request, reply) => {
      const idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
      if (idempotencyKey === undefined) {
        throw HttpProblem.badRequest('a top-up takes an Idempotency-Key header, so a retry cannot pay twice', {
          field: 'Idempotency-Key',
        });
      }
      const { userId } = callerOf(request);
      const topUp = await topUpWallet(dataSource, cards, {
        userId,
        idempotencyKey,
        amount: request.body.amount,
        currency: request.body.currency,
        token: request.body.paymentMethod.token,
      }).catch((error: unknown) => {
        if (error instanceof TopUpKeyReusedError) throw HttpProblem.unprocessable(error.message);
        if (error instanceof CardProviderUnavailableError) {
          throw new HttpProblem(
            503,
            'Card provider unavailable',
            'the card could not be charged yet; the top-up is pending and will be finished: ' +
              'retry with the same Idempotency-Key to see how it ended',
            { topUpId: error.topUpId },
          ).withHeaders({ 'retry-after': '5' });
        }
        return refusedPastLimit(error);
      });
      reply.header('location', `/me/wallet/top-ups/${topUp.id}`);
      if (topUp.status === TopUpStatus.Declined) {
        throw HttpProblem.of(402, topUp.failureMessage ?? 'the card was declined', {
          code: topUp.failureCode ?? FailureCode.CardDeclined,
          topUpId: topUp.id,
        });
      }
      const wallet = await findWallet(dataSource.manager, userId);
      if (!wallet) throw new Error(`top-up ${topUp.id} succeeded without a wallet`);
      return reply.status(201).send({ ...topUpView(topUp), wallet: walletView(wallet) });
    },
  );

  app.get(
    '/me/wallet/top-ups/:topUpId',
    { config: { access: 'signed-in' }, schema: { params: TopUpParams, response: { 200: TopUpView } } },
    async (request) => {
      const { userId } = callerOf(request);
      const topUp = await dataSource.getRepository(WalletTopUp).findOneBy({ id: request.params.topUpId, userId });
      if (!topUp) throw HttpProblem.notFound(`${userId} has no top-up ${request.params.topUpId}`);
      return topUpView(topUp);
    },
  );

  app.post(
    '/admin/wallets/:userId/credit',
    {
      config: { access: staff(Role.Admin) },
      schema: { params: WalletParams, body: CreditRequest, response: { 200: WalletView } },
    },
    async (request) => {
      const wallet = await dataSource
        .transaction((manager) =>
          addToWallet(manager, request.params.userId, { kind: 'credit', amount: request.body.amount }),
        )
        .catch(refusedPastLimit);
      return walletView(wallet);
    },
  );
}
