import { FakeStripe, waitFor } from '@saga/testing';
import { Shop } from './harness/shop';
import { shopAdmin, SystemUnderTest } from './harness/system-under-test';

/** The status history of an order's payment, oldest first, with each change's cause. */
async function paymentHistory(sut: SystemUnderTest, orderId: string) {
  return sut.rows<{ status: string; cause_kind: string; cause_type: string }>(
    `SELECT h.status, h.cause_kind, h.cause_type FROM payment.payment_status_history h
       JOIN payment.payments p ON p.id = h.payment_id WHERE p.order_id = $1 ORDER BY h.id`,
    [orderId],
  );
}

describe('card orders through Stripe (the payment worker on the real SDK, a fake Stripe behind it)', () => {
  let sut: SystemUnderTest;
  let shop: Shop;
  let stripe: FakeStripe;
  const pointWebhooksAtWorker = () => {
    stripe.webhookUrl = `${sut.system.url('payment-worker')}/webhooks/stripe`;
  };

  beforeAll(async () => {
    stripe = await FakeStripe.start();
    sut = await SystemUnderTest.start({
      // A short step deadline, so a shopper who never finishes 3-D Secure fails the order within the test.
      env: { SAGA_STEP_TIMEOUT_MS: '6000' },
      appEnv: { 'payment-worker': { ...stripe.workerEnv(), STRIPE_TIMEOUT_MS: '20000' } },
    });
    shop = new Shop(sut);
    pointWebhooksAtWorker();
  });

  afterAll(async () => {
    await sut?.stop();
    await stripe?.stop();
  });

  const cardOrder = async (token: string, price = 3_000) => {
    const product = await shop.product('Espresso Machine', price, 10);
    const orderId = await shop.order({
      userId: `shopper-${product.id.slice(0, 8)}`,
      items: [{ productId: product.id, quantity: 1 }],
      payment: { method: 'card', token },
    });
    return { orderId, product };
  };

  it('completes a card order with one intent captured once', async () => {
    const { orderId, product } = await cardOrder('pm_card_visa');

    expect(await sut.settledOrder(orderId)).toMatchObject({ status: 'COMPLETED', total: 3_000 });
    expect(stripe.intentsOf(orderId)).toEqual([
      expect.objectContaining({ status: 'succeeded', amount_received: 3_000, capture_method: 'manual' }),
    ]);
    expect(await shop.stock(product.id)).toEqual({ available: 9, reserved: 0, sold: 1 });
  });

  it('fails a declined card order with Stripe decline code in the reason, and releases the stock', async () => {
    const { orderId, product } = await cardOrder('pm_card_chargeDeclinedInsufficientFunds');

    expect(await sut.settledOrder(orderId)).toMatchObject({
      status: 'FAILED',
      failure: { code: 'insufficient_funds', reason: expect.stringContaining('decline code: insufficient_funds') },
    });
    expect(await shop.stock(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('charges once when the worker is killed after Stripe took the authorization and before it was recorded', async () => {
    // Stripe does the authorization, then its answer hangs: the worker is killed while it waits.
    stripe.inject({ kind: 'hang', ms: 30_000 }, { path: /\/v1\/payment_intents$/ });
    const { orderId } = await cardOrder('pm_card_visa');
    const worker = sut.system.apps['payment-worker'];
    await waitFor(async () => stripe.intentsOf(orderId).length === 1, { description: 'the intent at Stripe' });
    expect(await paymentHistory(sut, orderId)).toEqual([
      { status: 'AUTHORIZING', cause_kind: 'command', cause_type: 'payment.authorize' },
    ]);

    await worker.kill();
    await worker.start();
    pointWebhooksAtWorker();

    expect(await sut.settledOrder(orderId)).toMatchObject({ status: 'COMPLETED' });
    expect(stripe.intentsOf(orderId)).toEqual([
      expect.objectContaining({ status: 'succeeded', amount_received: 3_000 }),
    ]);
    const authorizeCalls = stripe.requests.filter((r) => r.idempotencyKey === `${orderId}:authorize`);
    expect(authorizeCalls.map((r) => r.replayed)).toEqual([false, true]);
    expect((await paymentHistory(sut, orderId)).map((h) => h.status)).toEqual([
      'AUTHORIZING',
      'AUTHORIZED',
      'CAPTURED',
    ]);
  });

  it('completes the order when the shopper passes 3-D Secure and Stripe says so by webhook', async () => {
    const { orderId } = await cardOrder('pm_card_authenticationRequired');
    await waitFor(async () => (await paymentHistory(sut, orderId)).some((h) => h.status === 'REQUIRES_ACTION'), {
      description: 'the payment waiting on the shopper',
    });

    await stripe.completeAuthentication(stripe.intentsOf(orderId)[0].id);

    expect(await sut.settledOrder(orderId)).toMatchObject({ status: 'COMPLETED' });
    expect((await paymentHistory(sut, orderId)).map((h) => [h.status, h.cause_kind])).toEqual([
      ['AUTHORIZING', 'command'],
      ['REQUIRES_ACTION', 'command'],
      ['AUTHORIZED', 'webhook'],
      ['CAPTURED', 'command'],
    ]);
  });

  it('fails the order at the step deadline when the shopper never finishes 3-D Secure, cancelling the intent', async () => {
    const { orderId, product } = await cardOrder('pm_card_authenticationRequired');

    expect(await sut.settledOrder(orderId)).toMatchObject({ status: 'FAILED', failure: { code: 'step_timed_out' } });
    expect(stripe.intentsOf(orderId).map((i) => i.status)).toEqual(['canceled']);
    expect(await shop.stock(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect((await paymentHistory(sut, orderId)).at(-1)).toMatchObject({ status: 'VOIDED', cause_type: 'payment.void' });
  });

  it('refunds a card order through Stripe once, when Stripe fails the first attempts and then answers', async () => {
    const { orderId, product } = await cardOrder('pm_card_visa');
    await sut.settledOrder(orderId);
    stripe.inject({ kind: 'status', status: 503 }, { times: 3, path: /\/v1\/refunds$/ });

    const asked = await sut.http<{ refundId: string }>('order-api', 'POST', `/admin/orders/${orderId}/refunds`, {
      body: { reason: 'changed my mind' },
      as: shopAdmin,
    });
    const refund = await waitFor(
      async () => {
        const { body } = await sut.http<{ status: string }>(
          'order-api',
          'GET',
          `/admin/orders/${orderId}/refunds/${asked.body.refundId}`,
          { as: shopAdmin },
        );
        return body.status === 'REFUNDED' || body.status === 'FAILED' ? body : undefined;
      },
      { timeoutMs: 30_000, description: 'the refund to end' },
    );

    expect(refund).toMatchObject({ status: 'REFUNDED' });
    expect(stripe.intentsOf(orderId)[0].refunded).toBe(3_000);
    const refunds = stripe.requests.filter((r) => r.path === '/v1/refunds');
    expect(new Set(refunds.map((r) => r.idempotencyKey))).toEqual(new Set([`${asked.body.refundId}:refund`]));
    expect(await shop.stock(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('refuses a webhook with a bad signature with 400 and changes nothing', async () => {
    const { orderId } = await cardOrder('pm_card_visa');
    await sut.settledOrder(orderId);
    const before = await paymentHistory(sut, orderId);

    const status = await stripe.sendWebhook('payment_intent.canceled', stripe.intentsOf(orderId)[0], {
      secret: 'whsec_forged',
    });

    expect(status).toBe(400);
    expect(await paymentHistory(sut, orderId)).toEqual(before);
  });
});
