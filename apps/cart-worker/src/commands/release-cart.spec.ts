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

describe('releaseCart', () => {
  let db: CartTestDatabase;
  beforeAll(async () => {
    db = await startCartTestDatabase();
  });
  afterAll(() => db.close());

  // Handlers send nothing besides their reply, which the command processor sends.
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent).toEqual([]));
  const commands = cartCommands(() => db, sent);

  it('leaves every item in the cart and the cart OPEN after a checkout is released', async () => {
    const userId = randomUUID();
    const items = someItems(3);
    await fillCart(db.dataSource, userId, items);
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);

    expect(await commands.release(orderId, userId)).toEqual({ outcome: 'success', result: {} });

    expect(await cartOf(db.dataSource, userId)).toEqual({
      userId,
      status: CartStatus.Open,
      lockedByOrder: null,
      items,
    });
    expect(await checkoutOf(db.dataSource, orderId)).toMatchObject({ status: CheckoutStatus.Released, items });
  });

  it('lets the shopper check out again with another order after a release', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems());
    const failedOrder = randomUUID();
    await commands.checkout(failedOrder, userId);
    await commands.release(failedOrder, userId);

    const retry = randomUUID();
    expect(await commands.checkout(retry, userId)).toMatchObject({ outcome: 'success' });
    expect((await cartOf(db.dataSource, userId)).lockedByOrder).toBe(retry);
  });

  it('changes nothing when the release is sent again with a new command id', async () => {
    const userId = randomUUID();
    const items = someItems();
    await fillCart(db.dataSource, userId, items);
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);
    await commands.release(orderId, userId);
    await fillCart(db.dataSource, userId, [{ productId: randomUUID(), quantity: 4 }]);
    const before = await cartOf(db.dataSource, userId);

    expect(await commands.release(orderId, userId)).toEqual({ outcome: 'success', result: {} });

    expect(await cartOf(db.dataSource, userId)).toEqual(before);
  });

  it('records a tombstone when the release comes before the checkout, and refuses the late checkout', async () => {
    const userId = randomUUID();
    const items = someItems();
    await fillCart(db.dataSource, userId, items);
    const orderId = randomUUID();

    expect(await commands.release(orderId, userId)).toEqual({ outcome: 'success', result: {} });
    expect(await checkoutOf(db.dataSource, orderId)).toMatchObject({
      status: CheckoutStatus.Released,
      cartId: null,
      items: null,
    });

    expect(await commands.checkout(orderId, userId)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState },
    });
    expect(await cartOf(db.dataSource, userId)).toEqual({
      userId,
      status: CartStatus.Open,
      lockedByOrder: null,
      items,
    });
  });

  it('records a tombstone for a shopper who has no cart at all', async () => {
    const orderId = randomUUID();
    expect(await commands.release(orderId, randomUUID())).toEqual({ outcome: 'success', result: {} });
    expect(await checkoutOf(db.dataSource, orderId)).toMatchObject({ status: CheckoutStatus.Released, cartId: null });
  });

  it('leaves the cart to exactly one outcome when a checkout and its release race', async () => {
    const userId = randomUUID();
    const items = someItems();
    await fillCart(db.dataSource, userId, items);
    const orderId = randomUUID();

    await Promise.all([commands.checkout(orderId, userId), commands.release(orderId, userId)]);

    expect(await checkoutOf(db.dataSource, orderId)).toMatchObject({ status: CheckoutStatus.Released });
    expect(await cartOf(db.dataSource, userId)).toEqual({
      userId,
      status: CartStatus.Open,
      lockedByOrder: null,
      items,
    });
  });

  it('refuses to release an order whose cart was already cleared', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems());
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);
    await commands.clear(orderId, userId);

    expect(await commands.release(orderId, userId)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState },
    });
    expect(await checkoutOf(db.dataSource, orderId)).toMatchObject({ status: CheckoutStatus.Cleared });
  });
});
