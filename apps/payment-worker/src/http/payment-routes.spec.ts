import { randomUUID } from 'node:crypto';
import { paymentAuthorize, paymentCapture, paymentVoid } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '@saga/runtime';
import { Role } from '@saga/identity';
import { testIdentity } from '@saga/testing';
import { authorizePayment } from '../commands/authorize-payment';
import { capturePayment } from '../commands/capture-payment';
import { voidPayment } from '../commands/void-payment';
import {
  cardOrder,
  fundWallet,
  newUserId,
  openPaymentTestDatabase,
  testCards,
  type PaymentTestDatabase,
} from '../testing/payment-test-database';
import { registerPaymentRoutes } from './payment-routes';

let db: PaymentTestDatabase;
let app: HttpApp;
const identity = testIdentity();
const operator = identity.as('ops', Role.Operator);
beforeAll(async () => {
  db = await openPaymentTestDatabase();
  app = await createHttpApp(createLogger({ service: 'payment-worker-test', level: 'error' }), identity.settings, {
    service: 'payment-worker',
  });
  registerPaymentRoutes(app, { dataSource: db.dataSource });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.close();
});

// Handlers send nothing besides their reply, which the command processor sends.
const sent: PendingMessage[] = [];
afterEach(() => expect(sent).toEqual([]));

/** The order's payment as its payer sees it. */
const getPayment = (orderId: string, payer: string) =>
  app.inject({ method: 'GET', url: `/me/payments?orderId=${orderId}`, headers: identity.as(payer) });
/** The order's payment as the shop's staff see it. */
const getPaymentAsStaff = (orderId: string, headers: Record<string, string> = operator) =>
  app.inject({ method: 'GET', url: `/admin/payments?orderId=${orderId}`, headers });

/** An order of 3,300 cents paid from the user's wallet and captured. */
async function capturedWalletPayment(userId: string): Promise<string> {
  await fundWallet(db.dataSource, userId, 10_000);
  const orderId = randomUUID();
  await runCommand({ dataSource: db.dataSource, sent }, paymentAuthorize, authorizePayment(testCards), {
    orderId,
    userId,
    amount: 3_300,
    currency: 'USD',
    paymentMethod: { method: 'wallet' },
  });
  await runCommand({ dataSource: db.dataSource, sent }, paymentCapture, capturePayment(testCards), {
    orderId,
  });
  return orderId;
}

describe('payment routes', () => {
  it('shows an order payment with its ledger entries in order', async () => {
    const userId = newUserId();
    const orderId = await capturedWalletPayment(userId);

    const response = await getPayment(orderId, userId);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      paymentId: expect.any(String),
      orderId,
      userId,
      provider: 'wallet',
      providerRef: expect.stringMatching(/^hold_/),
      amount: 3_300,
      currency: 'USD',
      status: 'CAPTURED',
      failure: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      nextAction: null,
      ledger: [
        { kind: 'authorize', amount: 3_300, at: expect.any(String) },
        { kind: 'capture', amount: 3_300, at: expect.any(String) },
      ],
      history: [
        {
          status: 'AUTHORIZED',
          cause: { kind: 'command', id: expect.any(String), type: 'payment.authorize' },
          at: expect.any(String),
        },
        {
          status: 'CAPTURED',
          cause: { kind: 'command', id: expect.any(String), type: 'payment.capture' },
          at: expect.any(String),
        },
      ],
    });
  });

  it('shows a declined payment with the failure the shopper was given', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_chargeDeclined', { amount: 1_000 });
    const { orderId, userId } = order;
    await runCommand({ dataSource: db.dataSource, sent }, paymentAuthorize, authorizePayment(testCards), order);

    const response = await getPayment(orderId, userId);

    expect(response.json()).toMatchObject({
      status: 'DECLINED',
      provider: 'test-card',
      failure: { code: 'card_declined', message: 'Your card was declined.' },
      ledger: [{ kind: 'decline', amount: 1_000 }],
    });
  });

  it('shows a tombstone as a VOIDED payment without provider or ledger', async () => {
    const orderId = randomUUID();
    await runCommand({ dataSource: db.dataSource, sent }, paymentVoid, voidPayment(testCards), {
      orderId,
    });

    // A tombstone has no payer: only the shop's staff can see it.
    const response = await getPaymentAsStaff(orderId);

    expect(response.json()).toMatchObject({ status: 'VOIDED', provider: null, userId: null, amount: 0, ledger: [] });
  });

  it('answers 404 problem+json for an order without a payment', async () => {
    const orderId = randomUUID();

    const response = await getPayment(orderId, newUserId());

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ detail: `order ${orderId} has no payment` });
  });

  it('answers 400 problem+json naming orderId when it is missing or not a uuid', async () => {
    for (const url of ['/me/payments', '/me/payments?orderId=42']) {
      const response = await app.inject({ method: 'GET', url, headers: identity.as(newUserId()) });

      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().errors).toEqual([expect.objectContaining({ field: 'querystring.orderId' })]);
    }
  });

  describe('who may call them', () => {
    it('answers both payment routes without a token 401 with a Bearer challenge', async () => {
      const orderId = await capturedWalletPayment(newUserId());

      for (const url of [`/me/payments?orderId=${orderId}`, `/admin/payments?orderId=${orderId}`]) {
        const response = await app.inject({ method: 'GET', url });

        expect(response.statusCode).toBe(401);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.headers['www-authenticate']).toBe('Bearer realm="saga"');
      }
    });

    it("answers a shopper 404 for another shopper's payment, as for an order without one", async () => {
      const payer = newUserId();
      const orderId = await capturedWalletPayment(payer);
      const tombstone = randomUUID();
      await runCommand({ dataSource: db.dataSource, sent }, paymentVoid, voidPayment(testCards), {
        orderId: tombstone,
      });

      const other = await getPayment(orderId, newUserId());
      const ofNobody = await getPayment(tombstone, newUserId());

      expect(other.statusCode).toBe(404);
      expect(other.json()).toMatchObject({ detail: `order ${orderId} has no payment` });
      expect(ofNobody.statusCode).toBe(404);
      expect((await getPayment(orderId, payer)).json()).toMatchObject({ orderId, userId: payer });
    });

    it('answers a shopper 403 on the staff payment route, naming the roles that may call it', async () => {
      const payer = newUserId();
      const orderId = await capturedWalletPayment(payer);

      const response = await getPaymentAsStaff(orderId, identity.as(payer));

      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ status: 403, roles: [Role.Admin, Role.Operator] });
    });

    it.each([Role.Admin, Role.Operator])("lets %s read any shopper's payment", async (role) => {
      const payer = newUserId();
      const orderId = await capturedWalletPayment(payer);

      const response = await getPaymentAsStaff(orderId, identity.as(`staff-${role}`, role));

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ orderId, userId: payer, status: 'CAPTURED', amount: 3_300 });
    });
  });
});
