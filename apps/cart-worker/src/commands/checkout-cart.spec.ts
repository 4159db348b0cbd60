import { randomUUID } from 'node:crypto';
import { FailureCode } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { CartStatus, CheckoutStatus } from '../domain';
import {
  cartCommands,
  cartOf,
  checkoutOf,
  fillCart,
  someItems,
  startCartTestDatabase,
  type CartTestDatabase,
} from '../testing/cart-test-database';

describe('checkoutCart', () => {
  let db: CartTestDatabase;
  beforeAll(async () => {
    db = await startCartTestDatabase();
  });
  afterAll(() => db.close());

  // Handlers send nothing besides their reply, which the command processor sends.
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent).toEqual([]));
  const commands = cartCommands(() => db, sent);

  it('locks the cart for the order and returns a snapshot of its items', async () => {
    const userId = randomUUID();
    const items = someItems(3);
    await fillCart(db.dataSource, userId, items);
    const orderId = randomUUID();

    const outcome = await commands.checkout(orderId, userId);

    expect(outcome).toEqual({ outcome: 'success', result: { cartId: expect.any(String), items } });
    expect(await cartOf(db.dataSource, userId)).toEqual({
      userId,
      status: CartStatus.Locked,
      lockedByOrder: orderId,
      items,
    });
    expect(await checkoutOf(db.dataSource, orderId)).toMatchObject({ status: CheckoutStatus.Locked, userId, items });
  });

  it('returns the same snapshot when the same order checks out again with a new command id', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems());
    const orderId = randomUUID();
    const first = await commands.checkout(orderId, userId);
    const version = await cartVersion(userId);

    const second = await commands.checkout(orderId, userId);

    expect(second).toEqual(first);
    expect(await cartVersion(userId)).toBe(version);
  });

  it('fails with cart_empty when the shopper has no cart', async () => {
    expect(await commands.checkout(randomUUID(), randomUUID())).toEqual({
      outcome: 'failure',
      failure: { code: FailureCode.CartEmpty, message: 'Your cart is empty.' },
    });
  });

  it('fails with cart_empty when the cart has no items, and records nothing', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, []);
    const orderId = randomUUID();

    expect(await commands.checkout(orderId, userId)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.CartEmpty },
    });
    expect(await checkoutOf(db.dataSource, orderId)).toBeNull();
    expect((await cartOf(db.dataSource, userId)).status).toBe(CartStatus.Open);
  });

  it('fails with cart_unavailable when another order has the cart locked', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems());
    const first = randomUUID();
    await commands.checkout(first, userId);

    expect(await commands.checkout(randomUUID(), userId)).toEqual({
      outcome: 'failure',
      failure: { code: FailureCode.CartUnavailable, message: 'Your cart is being checked out by another order.' },
    });
    expect((await cartOf(db.dataSource, userId)).lockedByOrder).toBe(first);
  });

  it('lets exactly one of two orders checking out the same cart at once win', async () => {
    const userId = randomUUID();
    const items = someItems(2);
    await fillCart(db.dataSource, userId, items);
    const orders = [randomUUID(), randomUUID()];

    const outcomes = await Promise.all(orders.map((orderId) => commands.checkout(orderId, userId)));

    const winners = orders.filter((_, i) => outcomes[i].outcome === 'success');
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'failure')).toEqual([
      { outcome: 'failure', failure: { code: FailureCode.CartUnavailable, message: expect.any(String) } },
    ]);
    expect(await cartOf(db.dataSource, userId)).toEqual({
      userId,
      status: CartStatus.Locked,
      lockedByOrder: winners[0],
      items,
    });
  });

  it('lets exactly one of many orders win however many race for the cart', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems(1));
    const orders = Array.from({ length: 12 }, () => randomUUID());

    const outcomes = await Promise.all(orders.map((orderId) => commands.checkout(orderId, userId)));

    expect(outcomes.filter((o) => o.outcome === 'success')).toHaveLength(1);
    const checkouts = await Promise.all(orders.map((orderId) => checkoutOf(db.dataSource, orderId)));
    expect(checkouts.filter((c) => c !== null)).toHaveLength(1);
  });

  it('answers a retry racing the first attempt of the same order with the same snapshot', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems(2));
    const orderId = randomUUID();

    const outcomes = await Promise.all(Array.from({ length: 5 }, () => commands.checkout(orderId, userId)));

    expect(outcomes[0].outcome).toBe('success');
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
  });

  it('refuses a checkout for an order whose cart was already cleared', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems());
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);
    await commands.clear(orderId, userId);
    await fillCart(db.dataSource, userId, someItems());

    expect(await commands.checkout(orderId, userId)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState },
    });
    expect((await cartOf(db.dataSource, userId)).status).toBe(CartStatus.Open);
  });

  it('refuses a checkout for an order that already gave the cart back', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems());
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);
    await commands.release(orderId, userId);

    expect(await commands.checkout(orderId, userId)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState },
    });
    expect((await cartOf(db.dataSource, userId)).status).toBe(CartStatus.Open);
  });

  async function cartVersion(userId: string): Promise<number> {
    const [row] = await db.dataSource.query(`SELECT version FROM cart.carts WHERE user_id = $1`, [userId]);
    return row.version;
  }
});
