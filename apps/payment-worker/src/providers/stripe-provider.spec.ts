import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { FailureCode, paymentCapture } from '@saga/contracts';
import { runCommand } from '@saga/participant/testing';
import { createLogger } from '@saga/observability';
import { TransactionalMessaging, type PendingMessage } from '@saga/outbox';
import { createHttpApp, type HttpApp } from '@saga/runtime';
import { FakeStripe, testIdentity } from '@saga/testing';
import { findPaymentWithLedger } from '../domain/payments';
import {
  cardOrder,
  openPaymentTestDatabase,
  paymentCommands,
  type PaymentTestDatabase,
} from '../testing/payment-test-database';
import { registerStripeWebhookRoute } from '../webhooks/stripe-webhook-route';
import { capturePayment } from '../commands/capture-payment';
import { cardProviders } from './payment-provider';
import { stripeClient, stripeProvider } from './stripe-provider';
import { testCardProvider } from './test-card-provider';

let db: PaymentTestDatabase;
let stripe: FakeStripe;
let app: HttpApp;
const sent: PendingMessage[] = [];

beforeAll(async () => {
  db = await openPaymentTestDatabase();
  stripe = await FakeStripe.start();
  app = await createHttpApp(createLogger({ service: 'stripe-spec', level: 'error' }), testIdentity().settings, {
    service: 'payment-worker',
  });
  const messaging = new TransactionalMessaging(db.dataSource, { wake: () => undefined });
  const logger = createLogger({ service: 'stripe-spec', level: 'error' });
  registerStripeWebhookRoute(app, { webhookSecret: stripe.webhookSecret, messaging, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  stripe.webhookUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/webhooks/stripe`;
});
afterAll(async () => {
  await app?.close();
  await stripe?.stop();
  await db?.close();
});
beforeEach(() => {
  sent.length = 0;
  stripe.clearFaults();
});

// The real SDK, pointed at the fake; short timeouts so a hung request is retried within the test.
const card = () =>
  stripeProvider(
    stripeClient({
      secretKey: 'sk_test_fake',
      apiUrl: new URL(`http://127.0.0.1:${stripe.port}`),
      timeoutMs: 400,
      maxNetworkRetries: 2,
    }),
  );
const commands = () => paymentCommands(() => db, sent, card());

/** The replies the payment worker's outbox holds for an order's commands (webhook replies land here). */
async function repliesInOutbox(correlationId: string) {
  return (await db.dataSource.query(
    `SELECT envelope->'payload' AS payload FROM payment.outbox WHERE envelope->>'correlationId' = $1`,
    [correlationId],
  )) as { payload: { outcome: string; failure?: { code: string }; result?: unknown } }[];
}

/** The correlation id of the authorize command a payment waiting on the shopper owes its reply. */
async function commandsWaitingOn(orderId: string): Promise<string | undefined> {
  return (await findPaymentWithLedger(db.dataSource.manager, orderId))?.payment.awaitingReply?.correlationId;
}

describe('cards through Stripe (the real SDK against a fake Stripe)', () => {
  it('authorizes with a manual-capture intent, captures it, and records each status with its cause', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa', { amount: 4_200 });

    expect(await commands().authorize(order)).toMatchObject({ outcome: 'success', result: { provider: 'stripe' } });
    expect(await commands().capture(order.orderId)).toMatchObject({ outcome: 'success', result: { amount: 4_200 } });

    const [intent] = stripe.intentsOf(order.orderId);
    expect(intent).toMatchObject({ capture_method: 'manual', status: 'succeeded', amount_received: 4_200 });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment).toMatchObject({ status: 'CAPTURED', provider: 'stripe', providerRef: intent.id });
    expect(found?.payment.paymentMethod).toBeNull();
    expect(found?.history.map((h) => [h.status, h.causeKind, h.causeType])).toEqual([
      ['AUTHORIZING', 'command', 'payment.authorize'],
      ['AUTHORIZED', 'command', 'payment.authorize'],
      ['CAPTURED', 'command', 'payment.capture'],
    ]);
    expect(stripe.requests.filter((r) => r.method === 'POST').map((r) => r.idempotencyKey)).toEqual(
      expect.arrayContaining([`${order.orderId}:authorize`, `${order.orderId}:capture`]),
    );
  });

  it.each([
    [
      'pm_card_visa_chargeDeclined',
      FailureCode.CardDeclined,
      'Your card was declined. (decline code: generic_decline)',
    ],
    [
      'pm_card_chargeDeclinedInsufficientFunds',
      FailureCode.InsufficientFunds,
      'Your card has insufficient funds. (decline code: insufficient_funds)',
    ],
    [
      'pm_card_chargeDeclinedExpiredCard',
      FailureCode.CardDeclined,
      'Your card has expired. (decline code: expired_card)',
    ],
  ])('declines %s with Stripe decline code in the reason', async (token, code, message) => {
    const order = await cardOrder(db.dataSource, token);
    expect(await commands().authorize(order)).toEqual({ outcome: 'failure', failure: { code, message } });
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment).toMatchObject({ status: 'DECLINED', failureCode: code, failureMessage: message });
  });

  it('refuses an amount Stripe will not charge as amount_too_large, not as a fault', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa', { amount: 100_000_000 });
    expect(await commands().authorize(order)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.AmountTooLarge },
    });
  });

  it.each([
    ['a cut connection', { kind: 'drop' } as const],
    ['a timeout', { kind: 'hang', ms: 1_500 } as const],
    ['a 500', { kind: 'status', status: 500 } as const],
  ])('makes one intent and one charge when %s meets the first request of each call', async (_name, fault) => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa', { amount: 1_500 });
    stripe.inject(fault, { path: /\/v1\/payment_intents$/ });
    stripe.inject(fault, { path: /\/capture$/ });

    expect(await commands().authorize(order)).toMatchObject({ outcome: 'success' });
    expect(await commands().capture(order.orderId)).toMatchObject({ outcome: 'success' });

    const intents = stripe.intentsOf(order.orderId);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ status: 'succeeded', amount_received: 1_500 });
    const keyed = stripe.requests.filter((r) => r.idempotencyKey === `${order.orderId}:authorize`);
    expect(keyed.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves the intent recorded when Stripe stays unreachable, and the retry of the command finishes it', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa');
    stripe.inject({ kind: 'status', status: 503 }, { times: 3 });

    await expect(commands().authorize(order)).rejects.toThrow();
    expect((await findPaymentWithLedger(db.dataSource.manager, order.orderId))?.payment.status).toBe('AUTHORIZING');

    expect(await commands().authorize(order)).toMatchObject({ outcome: 'success' });
    expect(stripe.intentsOf(order.orderId)).toHaveLength(1);
  });

  it('treats a rate limit as a fault to retry, never as a decline', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa');
    stripe.inject({ kind: 'status', status: 429 });
    await expect(commands().authorize(order)).rejects.toThrow(/Injected fault/);
    expect(await commands().authorize(order)).toMatchObject({ outcome: 'success' });
  });

  it('cancels the intent a lost authorize answer made when the order is voided', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa');
    stripe.inject({ kind: 'drop' }, { times: 3, path: /\/v1\/payment_intents$/ });
    await expect(commands().authorize(order)).rejects.toThrow();

    expect(await commands().voidOrder(order.orderId)).toEqual({ outcome: 'success', result: {} });

    expect(stripe.intentsOf(order.orderId).map((i) => i.status)).toEqual(['canceled']);
    const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
    expect(found?.payment.status).toBe('VOIDED');
    expect(await commands().authorize(order)).toMatchObject({ failure: { code: FailureCode.InvalidState } });
  });

  it('settles a test-card payment made before Stripe took over with the test cards, not with Stripe', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa', { amount: 700 });
    await paymentCommands(() => db, sent).authorize(order);
    const requestsBefore = stripe.requests.length;

    const capture = capturePayment(cardProviders(card(), testCardProvider));
    const outcome = await runCommand({ dataSource: db.dataSource, sent }, paymentCapture, capture, {
      orderId: order.orderId,
    });

    expect(outcome).toMatchObject({ outcome: 'success', result: { amount: 700 } });
    expect(stripe.requests).toHaveLength(requestsBefore);
    expect((await findPaymentWithLedger(db.dataSource.manager, order.orderId))?.payment.provider).toBe('test-card');
  });

  it('refunds through Stripe once when its first attempts fail, and refuses a refund past the charge', async () => {
    const order = await cardOrder(db.dataSource, 'pm_card_visa', { amount: 5_000 });
    await commands().authorize(order);
    await commands().capture(order.orderId);
    const refundId = randomUUID();
    stripe.inject({ kind: 'status', status: 503 }, { times: 3, path: /\/v1\/refunds$/ });

    await expect(commands().refund(order.orderId, refundId, 2_000)).rejects.toThrow();
    const retried = await commands().refund(order.orderId, refundId, 2_000);
    const past = await commands().refund(order.orderId, randomUUID(), 3_001);

    expect(retried).toMatchObject({ outcome: 'success', result: { amount: 2_000, refundedInAll: 2_000 } });
    expect(stripe.intentsOf(order.orderId)[0].refunded).toBe(2_000);
    expect(past).toMatchObject({ failure: { code: FailureCode.AmountTooLarge } });
  });

  describe('3-D Secure and webhooks', () => {
    it('waits for the shopper, then replies to the authorize command when the webhook says the card is held', async () => {
      const order = await cardOrder(db.dataSource, 'pm_card_authenticationRequired');
      const outcome = await commands().authorize(order);
      expect(outcome).toEqual({ outcome: 'later' });
      const waiting = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
      expect(waiting?.payment).toMatchObject({ status: 'REQUIRES_ACTION', nextAction: expect.stringContaining('3ds') });
      const correlationId = waiting?.payment.awaitingReply?.correlationId ?? '';
      expect(await repliesInOutbox(correlationId)).toEqual([]);

      await stripe.completeAuthentication(stripe.intentsOf(order.orderId)[0].id);

      const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
      expect(found?.payment.status).toBe('AUTHORIZED');
      expect(found?.history.at(-1)).toMatchObject({
        causeKind: 'webhook',
        causeType: 'payment_intent.amount_capturable_updated',
      });
      expect(await repliesInOutbox(correlationId)).toEqual([
        {
          payload: expect.objectContaining({
            outcome: 'success',
            result: expect.objectContaining({ provider: 'stripe' }),
          }),
        },
      ]);
      expect(await commands().capture(order.orderId)).toMatchObject({ outcome: 'success' });
    });

    it('declines with the reason when the shopper fails 3-D Secure', async () => {
      const order = await cardOrder(db.dataSource, 'pm_card_authenticationRequired');
      await commands().authorize(order);
      const correlationId =
        (await findPaymentWithLedger(db.dataSource.manager, order.orderId))?.payment.awaitingReply?.correlationId ?? '';

      await stripe.failAuthentication(stripe.intentsOf(order.orderId)[0].id);

      expect((await findPaymentWithLedger(db.dataSource.manager, order.orderId))?.payment).toMatchObject({
        status: 'DECLINED',
        failureMessage: expect.stringContaining('decline code: authentication_required'),
      });
      expect(await repliesInOutbox(correlationId)).toEqual([
        {
          payload: expect.objectContaining({
            outcome: 'failure',
            failure: expect.objectContaining({ code: 'card_declined' }),
          }),
        },
      ]);
    });

    it('applies an event once, however often Stripe sends it', async () => {
      const order = await cardOrder(db.dataSource, 'pm_card_authenticationRequired');
      await commands().authorize(order);
      const waitingOn = await commandsWaitingOn(order.orderId);
      const intent = stripe.intentsOf(order.orderId)[0];
      Object.assign(intent, { status: 'requires_capture', amount_capturable: intent.amount });

      const statuses = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push(
          await stripe.sendWebhook('payment_intent.amount_capturable_updated', intent, {
            id: `evt_same_${order.orderId}`,
          }),
        );
      }

      expect(statuses).toEqual([200, 200, 200]);
      const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
      expect(found?.history.filter((h) => h.status === 'AUTHORIZED')).toHaveLength(1);
      expect(await repliesInOutbox(waitingOn ?? '')).toHaveLength(1);
    });

    it('sees a held payment cancelled on Stripe, and refuses to capture it', async () => {
      const order = await cardOrder(db.dataSource, 'pm_card_visa');
      await commands().authorize(order);

      await stripe.cancelOnStripe(stripe.intentsOf(order.orderId)[0].id);

      const found = await findPaymentWithLedger(db.dataSource.manager, order.orderId);
      expect(found?.payment.status).toBe('VOIDED');
      expect(found?.history.at(-1)).toMatchObject({ causeKind: 'webhook', causeType: 'payment_intent.canceled' });
      expect(await commands().capture(order.orderId)).toMatchObject({ failure: { code: FailureCode.InvalidState } });
    });

    it.each([
      ['signed with another secret', { secret: 'whsec_someoneelse' }],
      ['signed six minutes ago', { timestamp: Math.floor(Date.now() / 1000) - 360 }],
    ])('refuses an event %s with 400 and changes nothing', async (_name, options) => {
      const order = await cardOrder(db.dataSource, 'pm_card_visa');
      await commands().authorize(order);
      const before = await findPaymentWithLedger(db.dataSource.manager, order.orderId);

      const status = await stripe.sendWebhook('payment_intent.canceled', stripe.intentsOf(order.orderId)[0], options);

      expect(status).toBe(400);
      expect(await findPaymentWithLedger(db.dataSource.manager, order.orderId)).toEqual(before);
      const [{ n }] = (await db.dataSource.query(
        `SELECT count(*)::int AS n FROM payment.provider_events WHERE intent_id = $1`,
        [stripe.intentsOf(order.orderId)[0].id],
      )) as { n: number }[];
      expect(n).toBe(0);
    });

    it('answers 400 problem+json to a request without a signature or with a body that is not JSON bytes', async () => {
      const unsigned = await fetch(stripe.webhookUrl ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(unsigned.status).toBe(400);
      expect(unsigned.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await unsigned.json()).toMatchObject({ detail: expect.stringContaining('Stripe-Signature') });
    });
  });
});
