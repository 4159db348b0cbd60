import { randomUUID } from 'node:crypto';
import { FailureCode, inventoryCommit, inventoryRelease, inventoryReserve, lowStock } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { openInventoryDatabase, testLowStock, type InventoryDatabase } from '../testing/inventory-database';
import { commitStock } from './commit-stock';
import { releaseStock } from './release-stock';
import { reserveStock } from './reserve-stock';

describe('inventory.release', () => {
  let db: InventoryDatabase;
  // Handlers send nothing besides their reply, which the command processor sends, and the low-stock
  // events of reserves (racing orders may take a product below its threshold; low-stock.spec checks those).
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent.filter((message) => message.envelope.type !== lowStock.type)).toEqual([]));
  const release = (orderId: string) =>
    runCommand({ dataSource: db.dataSource, sent }, inventoryRelease, releaseStock, { orderId });
  const reservationOf = async (orderId: string) => {
    const rows = await db.dataSource.query(
      `SELECT r.status, count(i.product_id)::int AS items
       FROM inventory.reservations r LEFT JOIN inventory.reservation_items i ON i.reservation_id = r.id
       WHERE r.order_id = $1 GROUP BY r.status`,
      [orderId],
    );
    return rows[0];
  };

  beforeAll(async () => {
    db = await openInventoryDatabase();
  });
  afterEach(async () => {
    expect(await db.stockDiscrepancies()).toEqual([]);
  });
  afterAll(() => db.close());

  it('returns the reserved stock of every item to available', async () => {
    const first = await db.addProduct({ stock: 10 });
    const second = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await runCommand({ dataSource: db.dataSource, sent }, inventoryReserve, reserveStock(testLowStock), {
      orderId,
      items: [
        { productId: first.id, quantity: 3 },
        { productId: second.id, quantity: 1 },
      ],
    });

    expect(await release(orderId)).toEqual({ outcome: 'success', result: {} });

    expect(await db.stockOf(first.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await db.stockOf(second.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await reservationOf(orderId)).toEqual({ status: 'RELEASED', items: 2 });
  });

  it('changes nothing when the same order is released again', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await runCommand({ dataSource: db.dataSource, sent }, inventoryReserve, reserveStock(testLowStock), {
      orderId,
      items: [{ productId: product.id, quantity: 4 }],
    });
    await release(orderId);

    expect(await release(orderId)).toEqual({ outcome: 'success', result: {} });

    expect(await db.stockOf(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    const [{ releases }] = await db.dataSource.query(
      `SELECT count(*)::int AS releases FROM inventory.stock_ledger WHERE order_id = $1 AND kind = 'release'`,
      [orderId],
    );
    expect(releases).toBe(1);
  });

  it('records a tombstone for an order that reserved nothing', async () => {
    const orderId = randomUUID();

    expect(await release(orderId)).toEqual({ outcome: 'success', result: {} });

    expect(await reservationOf(orderId)).toEqual({ status: 'RELEASED', items: 0 });
    expect(await release(orderId)).toEqual({ outcome: 'success', result: {} });
  });

  it('refuses to release the stock of an order that was already sold', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await runCommand({ dataSource: db.dataSource, sent }, inventoryReserve, reserveStock(testLowStock), {
      orderId,
      items: [{ productId: product.id, quantity: 2 }],
    });
    await runCommand({ dataSource: db.dataSource, sent }, inventoryCommit, commitStock, { orderId });

    expect(await release(orderId)).toEqual({
      outcome: 'failure',
      failure: {
        code: FailureCode.InvalidState,
        message: `The stock of order ${orderId} has already been sold; it cannot be released.`,
      },
    });
    expect(await db.stockOf(product.id)).toEqual({ available: 8, reserved: 0, sold: 2 });
  });

  it('ends with the stock back whichever of a racing reserve and release of an order runs first', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orders = Array.from({ length: 10 }, () => randomUUID());

    const outcomes = await Promise.all(
      orders.map((orderId) =>
        Promise.all([
          runCommand({ dataSource: db.dataSource, sent }, inventoryReserve, reserveStock(testLowStock), {
            orderId,
            items: [{ productId: product.id, quantity: 1 }],
          }),
          release(orderId),
        ]),
      ),
    );

    for (const [reserved, released] of outcomes) {
      expect(released).toEqual({ outcome: 'success', result: {} });
      // A reserve that lost the race met the tombstone and was refused.
      if (reserved.outcome === 'failure') expect(reserved.failure.code).toBe(FailureCode.InvalidState);
    }
    expect(await db.stockOf(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    for (const orderId of orders) expect((await reservationOf(orderId)).status).toBe('RELEASED');
  });
});
