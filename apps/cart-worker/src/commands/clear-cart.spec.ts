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

describe('clearCart', () => {
  let db: CartTestDatabase;
  beforeAll(async () => {
    db = await startCartTestDatabase();
  });
  afterAll(() => db.close());

  // Handlers send nothing besides their reply, which the command processor sends.
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent).toEqual([]));
  const commands = cartCommands(() => db, sent);

  it('empties and unlocks the cart once its order is paid', async () => {
    const userId = randomUUID();
    const items = someItems(3);
    await fillCart(db.dataSource, userId, items);
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);

    expect(await commands.clear(orderId, userId)).toEqual({ outcome: 'success', result: {} });

    expect(await cartOf(db.dataSource, userId)).toEqual({
      userId,
      status: CartStatus.Open,
      lockedByOrder: null,
      items: [],
    });
    expect(await checkoutOf(db.dataSource, orderId)).toMatchObject({ status: CheckoutStatus.Cleared, items });
  });

  it('does not empty the cart again when the clear is re-sent after the shopper refilled it', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems());
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);
    await commands.clear(orderId, userId);
    const nextPurchase = someItems(2);
    await fillCart(db.dataSource, userId, nextPurchase);

    expect(await commands.clear(orderId, userId)).toEqual({ outcome: 'success', result: {} });

    expect(await cartOf(db.dataSource, userId)).toEqual({
      userId,
      status: CartStatus.Open,
      lockedByOrder: null,
      items: nextPurchase,
    });
  });

  it('refuses to clear for an order that never checked out the cart, and leaves the cart alone', async () => {
    const userId = randomUUID();
    const items = someItems();
    await fillCart(db.dataSource, userId, items);

    expect(await commands.clear(randomUUID(), userId)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState },
    });
    expect((await cartOf(db.dataSource, userId)).items).toEqual(items);
  });

  it('refuses to clear for an order that gave the cart back, and leaves the cart alone', async () => {
    const userId = randomUUID();
    const items = someItems();
    await fillCart(db.dataSource, userId, items);
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);
    await commands.release(orderId, userId);

    expect(await commands.clear(orderId, userId)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState },
    });
    expect((await cartOf(db.dataSource, userId)).items).toEqual(items);
  });

  it('empties the cart once when the same clear is delivered many times at once with new command ids', async () => {
    const userId = randomUUID();
    await fillCart(db.dataSource, userId, someItems());
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);

    const outcomes = await Promise.all(Array.from({ length: 5 }, () => commands.clear(orderId, userId)));

    for (const outcome of outcomes) expect(outcome).toEqual({ outcome: 'success', result: {} });
    expect(await cartOf(db.dataSource, userId)).toMatchObject({ status: CartStatus.Open, items: [] });
  });
});
