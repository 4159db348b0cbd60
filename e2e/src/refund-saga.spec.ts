import { waitFor } from '@saga/testing';
import { Shop, user } from './harness/shop';
import { operator, shopAdmin, SystemUnderTest } from './harness/system-under-test';

interface RefundView {
  refundId: string;
  status: string;
  amount: number;
  failure: { code: string; reason: string } | null;
}

describe('the refund saga, with every app running as a process on real Postgres and RabbitMQ', () => {
  let sut: SystemUnderTest;
  let shop: Shop;

  beforeAll(async () => {
    sut = await SystemUnderTest.start();
    shop = new Shop(sut);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  /** A completed wallet order of 2 kettles (25.00) and 1 grinder (89.00): 139.00. */
  async function completedOrder() {
    const kettle = await shop.product('Kettle', 2_500, 10);
    const grinder = await shop.product('Grinder', 8_900, 10);
    const ada = user('ada');
    await shop.wallet(ada, 20_000);
    const orderId = await shop.order({
      userId: ada,
      items: [
        { productId: kettle.id, quantity: 2 },
        { productId: grinder.id, quantity: 1 },
      ],
      payment: { method: 'wallet' },
    });
    expect(await sut.settledOrder(orderId)).toMatchObject({ status: 'COMPLETED', total: 13_900 });
    return { orderId, ada, kettle, grinder };
  }

  const askRefund = (orderId: string, body: object) =>
    sut.http<RefundView>('order-api', 'POST', `/admin/orders/${orderId}/refunds`, { body, as: shopAdmin });

  const settledRefund = (orderId: string, refundId: string) =>
    waitFor(
      async () => {
        const { body } = await sut.http<RefundView>(
          'order-api',
          'GET',
          `/admin/orders/${orderId}/refunds/${refundId}`,
          {
            as: shopAdmin,
          },
        );
        return body.status === 'REFUNDED' || body.status === 'FAILED' ? body : undefined;
      },
      { timeoutMs: 30_000, description: `refund ${refundId} to end` },
    );

  it('refunds a whole order: money back in the wallet, stock back on sale, the order REFUNDED', async () => {
    const { orderId, ada, kettle, grinder } = await completedOrder();

    const asked = await askRefund(orderId, { reason: 'arrived broken' });
    const refund = await settledRefund(orderId, asked.body.refundId);

    expect(asked.status).toBe(202);
    expect(refund).toMatchObject({ status: 'REFUNDED', amount: 13_900, failure: null });
    expect((await sut.http('order-api', 'GET', `/admin/orders/${orderId}`, { as: operator })).body).toMatchObject({
      status: 'REFUNDED',
    });
    expect(await shop.walletOf(ada)).toEqual({ balance: 20_000, held: 0 });
    expect(await shop.stock(kettle.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await shop.stock(grinder.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await shop.paymentsOf(orderId)).toEqual([{ status: 'REFUNDED', amount: 13_900, provider: 'wallet' }]);
    const { body } = await sut.http<{ sagas: { id: string; status: string }[] }>(
      'order-saga',
      'GET',
      `/sagas?correlationId=${asked.body.refundId}`,
      { as: operator },
    );
    const saga = (
      await sut.http<{ events: { type: string; stepId: string | null }[] }>(
        'order-saga',
        'GET',
        `/sagas/${body.sagas[0].id}`,
        { as: operator },
      )
    ).body;
    expect(saga.events.filter((e) => e.type === 'step-succeeded').map((e) => e.stepId)).toEqual([
      'open-refund',
      'refund-payment',
      'return-stock',
      'complete-refund',
    ]);
  });

  it('refunds part by part, the parts summing to the total, and refuses a refund past it', async () => {
    const { orderId, ada, kettle } = await completedOrder();

    const first = await askRefund(orderId, { items: [{ productId: kettle.id, quantity: 1 }], reason: 'one dented' });
    await settledRefund(orderId, first.body.refundId);
    const partly = (await sut.http('order-api', 'GET', `/admin/orders/${orderId}`, { as: operator })).body;
    const rest = await askRefund(orderId, { reason: 'the rest too' });
    await settledRefund(orderId, rest.body.refundId);
    const past = await askRefund(orderId, { items: [{ productId: kettle.id, quantity: 1 }], reason: 'again' });

    expect(partly).toMatchObject({ status: 'PARTIALLY_REFUNDED' });
    expect(first.body.amount + rest.body.amount).toBe(13_900);
    expect((await sut.http('order-api', 'GET', `/admin/orders/${orderId}`, { as: operator })).body).toMatchObject({
      status: 'REFUNDED',
    });
    expect(past.status).toBe(409);
    expect(await shop.walletOf(ada)).toEqual({ balance: 20_000, held: 0 });
    expect(await shop.stock(kettle.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('refuses more of a line than was bought with 422 naming the field, and refunds nothing', async () => {
    const { orderId, ada, grinder } = await completedOrder();

    const response = await askRefund(orderId, { items: [{ productId: grinder.id, quantity: 2 }], reason: 'two?' });

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ field: 'items[0].quantity' });
    expect(await shop.walletOf(ada)).toEqual({ balance: 20_000 - 13_900, held: 0 });
  });

  it('takes one of two concurrent refunds of the whole order, and both of two for different lines', async () => {
    const whole = await completedOrder();
    const lines = await completedOrder();

    const racing = await Promise.all([
      askRefund(whole.orderId, { reason: 'first' }),
      askRefund(whole.orderId, { reason: 'second' }),
    ]);
    const split = await Promise.all([
      askRefund(lines.orderId, { items: [{ productId: lines.kettle.id, quantity: 2 }], reason: 'kettles' }),
      askRefund(lines.orderId, { items: [{ productId: lines.grinder.id, quantity: 1 }], reason: 'grinder' }),
    ]);

    expect(racing.map((r) => r.status).sort()).toEqual([202, 409]);
    const taken = racing.find((r) => r.status === 202);
    await settledRefund(whole.orderId, taken?.body.refundId ?? '');
    for (const r of split) await settledRefund(lines.orderId, r.body.refundId);
    expect(await shop.walletOf(whole.ada)).toEqual({ balance: 20_000, held: 0 });
    expect(await shop.walletOf(lines.ada)).toEqual({ balance: 20_000, held: 0 });
    expect((await sut.http('order-api', 'GET', `/admin/orders/${lines.orderId}`, { as: operator })).body).toMatchObject(
      { status: 'REFUNDED' },
    );
  });
});
