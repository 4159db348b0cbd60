import { randomUUID } from 'node:crypto';
import type { PendingMessage } from '@saga/outbox';
import { demoCarts } from '@saga/demo-data';
import { seedCarts } from './seed';
import { cartCommands, cartOf, startCartTestDatabase, type CartTestDatabase } from './testing/cart-test-database';

describe('seedCarts', () => {
  let db: CartTestDatabase;
  beforeAll(async () => {
    db = await startCartTestDatabase();
  });
  afterAll(() => db.close());

  // Handlers send nothing besides their reply, which the command processor sends.
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent).toEqual([]));
  const commands = cartCommands(() => db, sent);

  it('loads the demo carts, and loading them again changes nothing', async () => {
    await seedCarts(db.dataSource);
    await seedCarts(db.dataSource);

    for (const { userId, items } of demoCarts) {
      expect(await cartOf(db.dataSource, userId)).toEqual({ userId, status: 'OPEN', lockedByOrder: null, items });
    }
  });

  it('leaves a cart alone while an order has it locked', async () => {
    const [{ userId, items }] = demoCarts;
    const orderId = randomUUID();
    await commands.checkout(orderId, userId);

    const report = await seedCarts(db.dataSource);

    expect(report).toContain(
      `cart of ${userId}: left alone, cart is locked by order ${orderId} until it completes or fails`,
    );
    expect(await cartOf(db.dataSource, userId)).toEqual({ userId, status: 'LOCKED', lockedByOrder: orderId, items });
  });
});
