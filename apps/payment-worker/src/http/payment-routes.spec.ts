import { randomUUID } from 'node:crypto';
import { paymentAuthorize, paymentCapture, paymentVoid } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '@saga/runtime';
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
beforeAll(async () => {
  db = await openPaymentTestDatabase();
  app = createHttpApp(createLogger({ service: 'payment-worker-test', level: 'error' }));
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

const getPayment = (orderId: string) => app.inject({ method: 'GET', url: `/payments?orderId=${orderId}` });

describe('payment routes', () => {
  it('shows an order payment with its ledger entries in order', async () => {
    const userId = newUserId();
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

    const response = await getPayment(orderId);

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
    const { orderId } = order;
    await runCommand({ dataSource: db.dataSource, sent }, paymentAuthorize, authorizePayment(testCards), order);

    const response = await getPayment(orderId);

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

    const response = await getPayment(orderId);

    expect(response.json()).toMatchObject({ status: 'VOIDED', provider: null, userId: null, amount: 0, ledger: [] });
  });

  it('answers 404 problem+json for an order without a payment', async () => {
    const orderId = randomUUID();

    const response = await getPayment(orderId);

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ detail: `order ${orderId} has no payment` });
  });

  it('answers 400 problem+json naming orderId when it is missing or not a uuid', async () => {
    for (const url of ['/payments', '/payments?orderId=42']) {
      const response = await app.inject({ method: 'GET', url });

      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().errors).toEqual([expect.objectContaining({ field: 'querystring.orderId' })]);
    }
  });
});
