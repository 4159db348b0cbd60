import { randomUUID } from 'node:crypto';
import { FailureCode, inventoryCommit, inventoryReserve, inventoryReturn, type OrderItem } from '@saga/contracts';
import { runCommand } from '@saga/participant/testing';
import { openInventoryDatabase, testLowStock, type InventoryDatabase } from '../testing/inventory-database';
import { commitStock } from './commit-stock';
import { reserveStock } from './reserve-stock';
import { returnStock } from './return-stock';

describe('inventory.return', () => {
  let db: InventoryDatabase;
  beforeAll(async () => {
    db = await openInventoryDatabase();
  });
  afterEach(async () => {
    expect(await db.stockDiscrepancies()).toEqual([]);
  });
  afterAll(() => db.close());

  const run = <C extends typeof inventoryReserve | typeof inventoryCommit | typeof inventoryReturn>(
    contract: C,
    handler: Parameters<typeof runCommand<C>>[2],
    payload: Parameters<typeof runCommand<C>>[3],
  ) => runCommand({ dataSource: db.dataSource }, contract, handler, payload);

  async function soldOrder(items: OrderItem[]): Promise<string> {
    const orderId = randomUUID();
    await run(inventoryReserve, reserveStock(testLowStock), { orderId, items });
    await run(inventoryCommit, commitStock, { orderId });
    return orderId;
  }

  it('puts refunded items back on sale, once per refund however often it is asked', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = await soldOrder([{ productId: product.id, quantity: 4 }]);
    const refundId = randomUUID();

    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () =>
        run(inventoryReturn, returnStock, { refundId, orderId, items: [{ productId: product.id, quantity: 3 }] }),
      ),
    );

    expect(outcomes.every((o) => o.outcome === 'success')).toBe(true);
    expect(await db.stockOf(product.id)).toEqual({ available: 9, reserved: 0, sold: 1 });
  });

  it('refuses to return more than the order bought and kept, moving nothing', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = await soldOrder([{ productId: product.id, quantity: 2 }]);
    await run(inventoryReturn, returnStock, {
      refundId: randomUUID(),
      orderId,
      items: [{ productId: product.id, quantity: 1 }],
    });

    const outcome = await run(inventoryReturn, returnStock, {
      refundId: randomUUID(),
      orderId,
      items: [{ productId: product.id, quantity: 2 }],
    });

    expect(outcome).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.InvalidState } });
    expect(await db.stockOf(product.id)).toEqual({ available: 9, reserved: 0, sold: 1 });
  });

  it('refuses a return for an order whose stock was never sold', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await run(inventoryReserve, reserveStock(testLowStock), {
      orderId,
      items: [{ productId: product.id, quantity: 1 }],
    });

    const outcome = await run(inventoryReturn, returnStock, {
      refundId: randomUUID(),
      orderId,
      items: [{ productId: product.id, quantity: 1 }],
    });

    expect(outcome).toMatchObject({ failure: { code: FailureCode.InvalidState } });
    expect(await db.stockOf(product.id)).toEqual({ available: 9, reserved: 1, sold: 0 });
  });
});
