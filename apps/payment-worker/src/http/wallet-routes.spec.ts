import { randomUUID } from 'node:crypto';
import { paymentAuthorize } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '@saga/runtime';
import { authorizePayment } from '../commands/authorize-payment';
import { testCardProvider } from '../providers/test-card-provider';
import { newUserId, openPaymentTestDatabase, type PaymentTestDatabase } from '../testing/payment-test-database';
import { registerWalletRoutes } from './wallet-routes';

let db: PaymentTestDatabase;
let app: HttpApp;
beforeAll(async () => {
  db = await openPaymentTestDatabase();
  app = createHttpApp(createLogger({ service: 'payment-worker-test', level: 'error' }));
  registerWalletRoutes(app, { dataSource: db.dataSource });
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
  app.inject({ method: 'POST', url: `/admin/wallets/${userId}/credit`, payload: body as object });

describe('wallet routes', () => {
  it('opens a wallet on its first credit and adds to it on the next', async () => {
    const userId = newUserId();

    const first = await credit(userId, { amount: 2_500 });
    const second = await credit(userId, { amount: 1_000 });

    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ userId, balance: 2_500, held: 0, available: 2_500 });
    expect(second.json()).toEqual({ userId, balance: 3_500, held: 0, available: 3_500 });
  });

  it('shows a wallet with what is held and what is still available', async () => {
    const userId = newUserId();
    await credit(userId, { amount: 5_000 });
    await runCommand({ dataSource: db.dataSource, sent }, paymentAuthorize, authorizePayment(testCardProvider), {
      orderId: randomUUID(),
      userId,
      amount: 1_200,
      currency: 'USD',
      paymentMethod: { method: 'wallet' },
    });

    const response = await app.inject({ method: 'GET', url: `/wallets/${userId}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId, balance: 5_000, held: 1_200, available: 3_800 });
  });

  it('answers 404 problem+json for a user without a wallet', async () => {
    const response = await app.inject({ method: 'GET', url: '/wallets/nobody-here' });

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
});
