import { randomUUID } from 'node:crypto';
import { paymentAuthorize } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { maxAmount } from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '@saga/runtime';
import { Role } from '@saga/identity';
import { testIdentity } from '@saga/testing';
import { authorizePayment } from '../commands/authorize-payment';
import { cardProviders, type CardProvider } from '../providers/payment-provider';
import { testCardProvider } from '../providers/test-card-provider';
import { resumePendingTopUps } from '../top-ups/top-up-wallet';
import {
  newUserId,
  openPaymentTestDatabase,
  testCards,
  type PaymentTestDatabase,
} from '../testing/payment-test-database';
import { registerWalletRoutes } from './wallet-routes';

/** Test cards that count what they take, and can be made to fail once right after taking it (a crash). */
const taken = new Map<string, number>();
let failAfterCapture = false;
const flakyCards: CardProvider = {
  ...testCardProvider,
  async capture(request) {
    taken.set(request.idempotencyKey, (taken.get(request.idempotencyKey) ?? 0) + 1);
    if (failAfterCapture) {
      failAfterCapture = false;
      throw new Error('connection lost after the capture');
    }
    return testCardProvider.capture(request);
  },
};

let db: PaymentTestDatabase;
let app: HttpApp;
const identity = testIdentity();
const admin = identity.as('shop-admin', Role.Admin);
beforeAll(async () => {
  db = await openPaymentTestDatabase();
  app = await createHttpApp(createLogger({ service: 'payment-worker-test', level: 'error' }), identity.settings, {
    service: 'payment-worker',
  });
  registerWalletRoutes(app, { dataSource: db.dataSource, cards: cardProviders(flakyCards) });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.close();
});

// Handlers send nothing besides their reply, which the command processor sends.
const sent: PendingMessage[] = [];
afterEach(() => expect(sent).toEqual([]));

const credit = (userId: string, body: unknown) =>
  app.inject({ method: 'POST', url: `/admin/wallets/${userId}/credit`, headers: admin, payload: body as object });
/** GET of one of the user's own /me routes, with the user's token. */
const getAs = (userId: string, url: string) => app.inject({ method: 'GET', url, headers: identity.as(userId) });
const walletOf = (userId: string) => getAs(userId, '/me/wallet');

describe('wallet routes', () => {
  it('opens a wallet on its first credit and adds to it on the next', async () => {
    const userId = newUserId();

    const first = await credit(userId, { amount: 2_500 });
    const second = await credit(userId, { amount: 1_000 });

    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ userId, balance: 2_500, held: 0, available: 2_500, currency: 'USD' });
    expect(second.json()).toEqual({ userId, balance: 3_500, held: 0, available: 3_500, currency: 'USD' });
  });

  it('shows a wallet with what is held and what is still available', async () => {
    const userId = newUserId();
    await credit(userId, { amount: 5_000 });
    await runCommand({ dataSource: db.dataSource, sent }, paymentAuthorize, authorizePayment(testCards), {
      orderId: randomUUID(),
      userId,
      amount: 1_200,
      currency: 'USD',
      paymentMethod: { method: 'wallet' },
    });

    const response = await walletOf(userId);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId, balance: 5_000, held: 1_200, available: 3_800, currency: 'USD' });
  });

  it('answers 404 problem+json for a user without a wallet', async () => {
    const response = await walletOf('nobody-here');

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 404, detail: 'nobody-here has no wallet' });
  });

  it.each([
    [{ amount: -5 }, 'amount'],
    [{ amount: 12.5 }, 'amount'],
    [{}, 'amount'],
  ])('rejects the credit %j with 400 problem+json naming the field', async (body, field) => {
    const response = await credit(newUserId(), body);

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().errors).toEqual([expect.objectContaining({ field })]);
  });

  it('refuses a credit past the most a wallet may hold with 422 naming the amount', async () => {
    const userId = newUserId();
    await credit(userId, { amount: maxAmount });
    const response = await credit(userId, { amount: 1 });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ field: 'amount' });
  });

  it('lists the ledger a page at a time, each movement with the balance it left', async () => {
    const userId = newUserId();
    await credit(userId, { amount: 1_000 });
    await credit(userId, { amount: 500 });
    await topUp(userId, { amount: 250 }, 'first');

    const first = await getAs(userId, '/me/wallet/ledger?limit=2');
    const rest = await getAs(userId, `/me/wallet/ledger?after=${first.json().next}`);

    expect(first.json().entries.map((e: { kind: string; balanceAfter: number }) => [e.kind, e.balanceAfter])).toEqual([
      ['credit', 1_000],
      ['credit', 1_500],
    ]);
    expect(rest.json()).toMatchObject({ entries: [{ kind: 'top-up', amount: 250, balanceAfter: 1_750 }], next: null });
  });
});

const topUp = (userId: string, body: { amount: number; token?: string }, key?: string) =>
  app.inject({
    method: 'POST',
    url: '/me/wallet/top-ups',
    headers: { ...identity.as(userId), ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: { amount: body.amount, paymentMethod: { method: 'card', token: body.token ?? 'pm_card_visa' } },
  });

describe('wallet top-ups by card', () => {
  it('takes the money from the card and credits the wallet, once per Idempotency-Key', async () => {
    const userId = newUserId();

    const first = await topUp(userId, { amount: 2_000 }, 'top-up-1');
    const again = await topUp(userId, { amount: 2_000 }, 'top-up-1');

    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ status: 'SUCCEEDED', amount: 2_000, wallet: { balance: 2_000 } });
    expect(again.json()).toEqual(first.json());
    expect(taken.get(`top-up:${first.json().topUpId}:capture`)).toBe(1);
    expect(first.headers.location).toBe(`/me/wallet/top-ups/${first.json().topUpId}`);
    const status = await getAs(userId, first.headers.location as string);
    expect(status.json()).toMatchObject({ topUpId: first.json().topUpId, status: 'SUCCEEDED' });
  });

  it('answers a declined card with 402 problem+json and credits nothing', async () => {
    const userId = newUserId();
    const response = await topUp(userId, { amount: 2_000, token: 'pm_card_visa_chargeDeclined' }, 'declined');

    expect(response.statusCode).toBe(402);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'card_declined', detail: 'Your card was declined.' });
    const wallet = await walletOf(userId);
    expect(wallet.statusCode).toBe(404);
  });

  it.each([
    ['without an Idempotency-Key', undefined, 400],
    ['with a key used for another amount', 'reused', 422],
  ])('refuses a top-up %s', async (_name, key, status) => {
    const userId = newUserId();
    await topUp(userId, { amount: 1_000 }, 'reused');
    const response = await topUp(userId, { amount: 9_000 }, key);
    expect(response.statusCode).toBe(status);
    expect((await walletOf(userId)).json()).toMatchObject({ balance: 1_000 });
  });

  it('finishes a top-up a crash left after the card was charged, crediting it once', async () => {
    const userId = newUserId();
    failAfterCapture = true;
    const crashed = await topUp(userId, { amount: 3_000 }, 'crashed');
    expect(crashed.statusCode).toBe(503);
    expect(crashed.headers['retry-after']).toBe('5');
    expect((await walletOf(userId)).statusCode).toBe(404);

    const finished = await resumePendingTopUps(db.dataSource, cardProviders(flakyCards), {
      olderThanMs: 0,
      logger: createLogger({ service: 'spec', level: 'error' }),
    });
    const retried = await topUp(userId, { amount: 3_000 }, 'crashed');

    expect(finished).toBeGreaterThanOrEqual(1);
    expect(retried.json()).toMatchObject({ status: 'SUCCEEDED', wallet: { balance: 3_000 } });
    const ledger = await getAs(userId, '/me/wallet/ledger');
    expect(ledger.json().entries).toHaveLength(1);
  });
});

describe('who may call the wallet routes', () => {
  /** The rows every wallet route could write, so a refusal can be seen to have written none. */
  const rowCounts = () =>
    db.dataSource.query(`SELECT
       (SELECT count(*)::int FROM payment.wallets) AS wallets,
       (SELECT count(*)::int FROM payment.wallet_ledger) AS ledger,
       (SELECT count(*)::int FROM payment.wallet_top_ups) AS top_ups`);
  const topUpBody = { amount: 500, paymentMethod: { method: 'card', token: 'pm_card_visa' } };

  it('answers every wallet route without a token 401 with a Bearer challenge, and moves no money', async () => {
    const userId = newUserId();
    await credit(userId, { amount: 1_000 });
    const { topUpId } = (await topUp(userId, { amount: 250 }, 'mine')).json();
    const before = await rowCounts();
    const captures = taken.size;

    const attempts = [
      await app.inject({ method: 'GET', url: '/me/wallet' }),
      await app.inject({ method: 'GET', url: '/me/wallet/ledger' }),
      await app.inject({
        method: 'POST',
        url: '/me/wallet/top-ups',
        headers: { 'idempotency-key': 'no-token' },
        payload: topUpBody,
      }),
      await app.inject({ method: 'GET', url: `/me/wallet/top-ups/${topUpId}` }),
      await app.inject({ method: 'GET', url: `/admin/wallets/${userId}` }),
      await app.inject({ method: 'GET', url: `/admin/wallets/${userId}/ledger` }),
      await app.inject({ method: 'POST', url: `/admin/wallets/${userId}/credit`, payload: { amount: 1 } }),
    ];

    for (const response of attempts) {
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="saga"');
    }
    expect(await rowCounts()).toEqual(before);
    expect(taken.size).toBe(captures);
    expect((await walletOf(userId)).json()).toMatchObject({ balance: 1_250 });
  });

  it.each([
    ['a shopper', []],
    ['an operator', [Role.Operator]],
  ])('answers %s 403 on the admin wallet routes, and credits nothing', async (_who, roles) => {
    const userId = newUserId();
    await credit(userId, { amount: 1_000 });
    const before = await rowCounts();
    const headers = identity.as(userId, ...roles);

    const attempts = [
      await app.inject({ method: 'GET', url: `/admin/wallets/${userId}`, headers }),
      await app.inject({ method: 'GET', url: `/admin/wallets/${userId}/ledger`, headers }),
      await app.inject({ method: 'POST', url: `/admin/wallets/${userId}/credit`, headers, payload: { amount: 1 } }),
    ];

    for (const response of attempts) {
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ status: 403, roles: [Role.Admin] });
    }
    expect(await rowCounts()).toEqual(before);
    expect((await walletOf(userId)).json()).toMatchObject({ balance: 1_000 });
  });

  it("shows a shopper only their own wallet and ledger, never another shopper's", async () => {
    const ada = newUserId();
    const bo = newUserId();
    await credit(ada, { amount: 2_500 });

    const wallet = await walletOf(bo);
    const ledger = await getAs(bo, '/me/wallet/ledger');

    expect(wallet.statusCode).toBe(404);
    expect(wallet.json()).toMatchObject({ detail: `${bo} has no wallet` });
    expect(ledger.statusCode).toBe(404);
    await credit(bo, { amount: 100 });
    expect((await walletOf(bo)).json()).toEqual({ userId: bo, balance: 100, held: 0, available: 100, currency: 'USD' });
    expect((await getAs(bo, '/me/wallet/ledger')).json()).toMatchObject({ userId: bo, entries: [{ amount: 100 }] });
  });

  it("tops up the caller's own wallet, even with another shopper's Idempotency-Key, and answers another's top-up 404", async () => {
    const ada = newUserId();
    const bo = newUserId();
    await credit(ada, { amount: 1_000 });
    const adas = (await topUp(ada, { amount: 400 }, 'same-key')).json();

    const bos = await topUp(bo, { amount: 300 }, 'same-key');
    const peek = await getAs(bo, `/me/wallet/top-ups/${adas.topUpId}`);

    expect(bos.statusCode).toBe(201);
    expect(bos.json()).toMatchObject({ status: 'SUCCEEDED', amount: 300, wallet: { userId: bo, balance: 300 } });
    expect(bos.json().topUpId).not.toBe(adas.topUpId);
    expect(peek.statusCode).toBe(404);
    expect(peek.json()).toMatchObject({ detail: `${bo} has no top-up ${adas.topUpId}` });
    expect((await walletOf(ada)).json()).toMatchObject({ balance: 1_400 });
  });

  it("lets an admin read any shopper's wallet and ledger", async () => {
    const userId = newUserId();
    await credit(userId, { amount: 700 });

    const wallet = await app.inject({ method: 'GET', url: `/admin/wallets/${userId}`, headers: admin });
    const ledger = await app.inject({ method: 'GET', url: `/admin/wallets/${userId}/ledger`, headers: admin });

    expect(wallet.json()).toEqual({ userId, balance: 700, held: 0, available: 700, currency: 'USD' });
    expect(ledger.json()).toMatchObject({ userId, entries: [{ kind: 'credit', amount: 700 }], next: null });
  });
});
