import amqplib from 'amqplib';
import { namespaced, Queues } from '@saga/contracts';
import {
  provisionTestInfrastructure,
  queueDepth,
  setDatabaseReachable,
  waitFor,
  type TestInfrastructure,
} from '@saga/testing';
import { Shop, user } from './harness/shop';
import { operator, SystemUnderTest, type OrderView } from './harness/system-under-test';

interface DeadLetterView {
  sagaId: string | null;
  step: string | null;
  type: string | null;
  reason: string;
  attempts: number | null;
}

/** The dead letters of one saga on one queue, as an operator sees them through order-saga. */
async function deadLettersOf(sut: SystemUnderTest, queue: string, sagaId: string): Promise<DeadLetterView[]> {
  const { body } = await sut.http<{ queues: { deadLetters: DeadLetterView[] }[] }>(
    'order-saga',
    'GET',
    `/admin/dead-letters?queue=${queue}`,
    { as: operator },
  );
  return body.queues[0].deadLetters.filter((d) => d.sagaId === sagaId);
}

/** Whether `expected` occurs in `log` in this order, other entries allowed in between. */
const inOrder = (log: readonly string[], expected: readonly string[]) => {
  let next = 0;
  for (const entry of log) if (entry === expected[next]) next++;
  return next === expected.length;
};

const stepsLogged = (saga: { events: { type: string; stepId: string | null }[] }) =>
  saga.events.map((e) => `${e.type}${e.stepId ? ` ${e.stepId}` : ''}`);

/**
 * Every app as a process with `env`, the cart worker on a database of its own that a test can take
 * away; started before the block's tests, stopped (and that database given back) after them.
 */
function withOwnCartDatabase(env: Record<string, string>) {
  const system = {} as { sut: SystemUnderTest; shop: Shop; cartDatabase: TestInfrastructure };
  beforeAll(async () => {
    system.cartDatabase = await provisionTestInfrastructure();
    system.sut = await SystemUnderTest.start({
      env,
      appEnv: { 'cart-worker': { DATABASE_URL: system.cartDatabase.databaseUrl } },
    });
    system.shop = new Shop(system.sut);
  });
  afterAll(async () => {
    if (system.cartDatabase) await setDatabaseReachable(system.cartDatabase.databaseUrl, true);
    await system.sut?.stop();
    await system.cartDatabase?.teardown();
  });
  return system;
}

describe('failure semantics with short deadlines (every app a process; the cart worker on a database of its own)', () => {
  const system = withOwnCartDatabase({
    SAGA_STEP_TIMEOUT_MS: '1500',
    SAGA_MAX_ATTEMPTS: '3',
    SAGA_RETRY_BASE_DELAY_MS: '200',
    SAGA_RETRY_MAX_DELAY_MS: '1000',
    DEADLINE_SCAN_INTERVAL_MS: '100',
  });

  it('refuses a reserve that arrives after its deadline: the order fails with a timeout and no stock is held', async () => {
    const { sut, shop } = system;
    const lamp = await shop.product('Desk Lamp', 3000, 5);
    const ada = user('ada');
    await shop.wallet(ada, 10_000);
    const inventory = sut.system.apps['inventory-worker'];
    await inventory.stop();

    const orderId = await shop.order({
      userId: ada,
      items: [{ productId: lamp.id, quantity: 2 }],
      payment: { method: 'wallet' },
    });
    // Hold the reserve back, as a slow network or a stalled worker would.
    const queue = namespaced(sut.infra.namespace, Queues.inventoryCommands.name);
    const connection = await amqplib.connect(sut.infra.amqpUrl);
    const channel = await connection.createChannel();
    const reserve = await waitFor(async () => (await channel.get(queue, { noAck: false })) || undefined, {
      description: 'the reserve command',
    });
    expect(reserve.properties.type).toBe('inventory.reserve');

    // The saga gives up on the step and compensates it: the release reaches the worker first.
    await waitFor(async () => (await queueDepth(sut.infra.amqpUrl, queue)) >= 1, { description: 'the release' });
    await inventory.start();
    const order = await sut.settledOrder(orderId);
    expect(order.status).toBe('FAILED');
    expect(order.failure).toEqual({
      code: 'step_timed_out',
      reason: 'The order timed out at reserve-stock and was cancelled; nothing was charged.',
    });

    // Now the late reserve arrives, and meets the tombstone the release left.
    channel.nack(reserve, false, true);
    await connection.close();
    await waitFor(
      async () =>
        (await sut.rows('SELECT 1 FROM inventory.inbox WHERE message_id = $1', [reserve.properties.messageId]))
          .length === 1,
      { description: 'the late reserve to be handled' },
    );

    expect(await shop.stock(lamp.id)).toEqual({ available: 5, reserved: 0, sold: 0 });
    expect(await shop.reservationsOf(orderId)).toEqual([{ status: 'RELEASED' }]);
    expect(
      await sut.rows(
        'SELECT 1 FROM inventory.reservation_items i JOIN inventory.reservations r ON r.id = i.reservation_id WHERE r.order_id = $1',
        [orderId],
      ),
    ).toEqual([]);
    expect(await shop.paymentsOf(orderId)).toEqual([]);
    const saga = await sut.sagaOf(orderId);
    expect(saga.status).toBe('FAILED');
    // In this order; a slow restart may add a re-sent release in between, which is fine.
    expect(
      inOrder(stepsLogged(saga), [
        'step-timed-out reserve-stock',
        'compensation-succeeded reserve-stock',
        'compensation-succeeded process-order',
        'saga-failed',
      ]),
    ).toBe(true);
  });

  it('stalls when a compensation keeps failing, shows it on the order, and finishes cleanly once resumed', async () => {
    const { sut, shop, cartDatabase } = system;
    const kettle = await shop.product('Kettle', 4900, 10);
    const bo = user('bo');
    await shop.wallet(bo, 10_000);
    await shop.addToCart(bo, kettle.id, 1);
    await setDatabaseReachable(cartDatabase.databaseUrl, false);

    const orderId = await shop.order({ userId: bo, fromCart: true, payment: { method: 'wallet' } });
    const flagged = await waitFor(
      async () => {
        const { body } = await sut.http<OrderView & { attention: { reason: string } | null }>(
          'order-api',
          'GET',
          `/admin/orders/${orderId}`,
          { as: operator },
        );
        return body.attention ? body : undefined;
      },
      { timeoutMs: 30_000, description: 'the order to show that its saga needs attention' },
    );
    expect(flagged.status).toBe('PROCESSING');
    expect(flagged.attention?.reason).toMatch(/^cart\.release failed 3 times/);
    const saga = await sut.sagaOf(orderId);
    expect(saga).toMatchObject({ status: 'REQUIRES_ATTENTION', currentStep: 'checkout-cart' });
    // The operators hear of it by e-mail, once.
    const alerts = await waitFor(
      async () => {
        const found = (await sut.mails('operators@saga.local')).filter((mail) => mail.text.includes(saga.id));
        return found.length > 0 && found;
      },
      { description: "the operators' e-mail about the stalled saga" },
    );
    expect(alerts.map((mail) => mail.subject)).toEqual([
      `[saga] order-saga ${orderId} needs a person at checkout-cart`,
    ]);

    // Every failed delivery is on the cart queue's .dlq, findable by saga and step.
    const dead = await deadLettersOf(sut, 'cart-worker.commands', saga.id);
    expect(dead.map((d) => d.type).sort()).toEqual(['cart.checkout', 'cart.release', 'cart.release', 'cart.release']);
    for (const letter of dead) {
      expect(letter).toMatchObject({ step: 'checkout-cart', reason: 'retries_exhausted', attempts: 4 });
    }

    await setDatabaseReachable(cartDatabase.databaseUrl, true);
    const resumed = await sut.http('order-saga', 'POST', `/admin/sagas/${saga.id}/retry`, {
      as: operator,
      body: { reason: 'the cart database is back' },
    });
    expect(resumed.status).toBe(200);
    const order = await sut.settledOrder(orderId);
    expect(order).toMatchObject({ status: 'FAILED', failure: { code: 'step_timed_out' } });
    expect((order as OrderView & { attention: unknown }).attention).toBeNull();

    // The saga no longer waits for any of its dead letters: a replay leaves them all, saying why.
    const body = { queue: 'cart-worker.commands', sagaId: saga.id, reason: 'clean up after the outage' };
    type Replay = { replayed: unknown[]; stale: { why: string }[] };
    const guarded = await sut.http<Replay>('order-saga', 'POST', '/admin/dead-letters/replay', { as: operator, body });
    expect(guarded.body.replayed).toEqual([]);
    expect(guarded.body.stale.map((s) => s.why)).toEqual(Array(4).fill('its saga is FAILED'));

    // Forced, they go back; the checkout never ran, so the release left a tombstone and the checkout is refused.
    const replay = await sut.http<Replay>('order-saga', 'POST', '/admin/dead-letters/replay', {
      as: operator,
      body: { ...body, force: true },
    });
    expect(replay.body.replayed).toHaveLength(4);
    const queue = namespaced(sut.infra.namespace, Queues.cartCommands.name);
    await waitFor(async () => (await queueDepth(sut.infra.amqpUrl, queue)) === 0, { description: 'the replays' });
    await waitFor(async () => (await deadLettersOf(sut, 'cart-worker.commands', saga.id)).length === 0, {
      description: 'the replayed letters to be handled',
    });
    expect(await shop.cart(bo)).toMatchObject({ status: 'OPEN', items: [{ productId: kettle.id, quantity: 1 }] });
    expect(await shop.stock(kettle.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await shop.walletOf(bo)).toEqual({ balance: 10_000, held: 0 });
    expect((await sut.sagaOf(orderId)).status).toBe('FAILED');
  });
});

describe('failure semantics after the pivot (every app a process; the cart worker on a database of its own)', () => {
  const system = withOwnCartDatabase({
    SAGA_STEP_TIMEOUT_MS: '4000',
    SAGA_MAX_ATTEMPTS: '5',
    SAGA_RETRY_BASE_DELAY_MS: '300',
    DEADLINE_SCAN_INTERVAL_MS: '100',
  });

  it('keeps retrying a failing cart worker once the money is captured: the order completes, charged once', async () => {
    const { sut, shop, cartDatabase } = system;
    const mug = await shop.product('Mug', 2500, 10);
    const cy = user('cy');
    await shop.wallet(cy, 20_000);
    await shop.addToCart(cy, mug.id, 2);
    const payment = sut.system.apps['payment-worker'];
    await payment.stop();

    const orderId = await shop.order({ userId: cy, fromCart: true, payment: { method: 'wallet' } });
    await waitFor(
      async () => {
        const { body } = await sut.http<{ sagas: { currentStep: string }[] }>(
          'order-saga',
          'GET',
          `/sagas?correlationId=${orderId}`,
          { as: operator },
        );
        return body.sagas[0]?.currentStep === 'authorize-payment';
      },
      { description: 'the saga to wait at authorize-payment' },
    );
    // The cart worker will fail on every message until its database is back.
    await setDatabaseReachable(cartDatabase.databaseUrl, false);
    await payment.start();
    await waitFor(async () => stepsLogged(await sut.sagaOf(orderId)).includes('step-retried clear-cart'), {
      timeoutMs: 20_000,
      description: 'the saga to send clear-cart again',
    });
    await setDatabaseReachable(cartDatabase.databaseUrl, true);

    const order = await sut.settledOrder(orderId);
    expect(order).toMatchObject({ status: 'COMPLETED', total: 5000 });
    expect(await shop.paymentsOf(orderId)).toEqual([{ status: 'CAPTURED', amount: 5000, provider: 'wallet' }]);
    expect(await shop.walletOf(cy)).toEqual({ balance: 15_000, held: 0 });
    expect(await shop.stock(mug.id)).toEqual({ available: 8, reserved: 0, sold: 2 });
    expect(await shop.cart(cy)).toMatchObject({ status: 'OPEN', items: [] });

    const saga = await sut.sagaOf(orderId);
    const logged = stepsLogged(saga);
    expect(saga.status).toBe('COMPLETED');
    expect(logged.filter((e) => e.startsWith('compensation'))).toEqual([]);
    expect(logged.filter((e) => e === 'step-succeeded capture-payment')).toHaveLength(1);
    // The cart worker failed transiently: each failed delivery was retried, then dead-lettered.
    const dead = await deadLettersOf(sut, 'cart-worker.commands', saga.id);
    expect(dead.length).toBeGreaterThanOrEqual(1);
    expect(dead[0]).toMatchObject({ type: 'cart.clear', step: 'clear-cart', reason: 'retries_exhausted', attempts: 4 });

    // The saga is done with those old clears: a replay leaves them; forced after the shopper refilled
    // the cart, they change nothing.
    await shop.addToCart(cy, mug.id, 1);
    const body = { queue: 'cart-worker.commands', step: 'clear-cart', reason: 'the cart database is back' };
    type Replay = { replayed: unknown[]; stale: { why: string }[] };
    const guarded = await sut.http<Replay>('order-saga', 'POST', '/admin/dead-letters/replay', { as: operator, body });
    expect(guarded.body).toMatchObject({ replayed: [], stale: dead.map(() => ({ why: 'its saga is COMPLETED' })) });
    const replay = await sut.http<Replay>('order-saga', 'POST', '/admin/dead-letters/replay', {
      as: operator,
      body: { ...body, force: true },
    });
    expect(replay.body.replayed).toHaveLength(dead.length);
    await waitFor(async () => (await deadLettersOf(sut, 'cart-worker.commands', saga.id)).length === 0, {
      description: 'the replayed clears to be handled',
    });
    await waitFor(
      async () =>
        (await queueDepth(sut.infra.amqpUrl, namespaced(sut.infra.namespace, Queues.cartCommands.name))) === 0,
      { description: 'the cart queue to drain' },
    );
    expect(await shop.cart(cy)).toMatchObject({ status: 'OPEN', items: [{ productId: mug.id, quantity: 1 }] });
    expect(await shop.walletOf(cy)).toEqual({ balance: 15_000, held: 0 });
  });
});
