import { randomUUID } from 'node:crypto';
import { FailureCode, inventoryCommit, inventoryRelease, inventoryReserve } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { openInventoryDatabase, testLowStock, type InventoryDatabase } from '../testing/inventory-database';
import { commitStock } from './commit-stock';
import { releaseStock } from './release-stock';
import { reserveStock } from './reserve-stock';

describe('inventory.commit', () => {
  let db: InventoryDatabase;
  // Handlers send nothing besides their reply, which the command processor sends.
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent).toEqual([]));
  const commit = (orderId: string) =>
    runCommand({ dataSource: db.dataSource, sent }, inventoryCommit, commitStock, { orderId });
  const reserve = (orderId: string, productId: string, quantity: number) =>
    runCommand({ dataSource: db.dataSource, sent }, inventoryReserve, reserveStock(testLowStock), {
      orderId,
      items: [{ productId, quantity }],
    });

  beforeAll(async () => {
    db = await openInventoryDatabase();
  });
  afterEach(async () => {
    expect(await db.stockDiscrepancies()).toEqual([]);
  });
  afterAll(() => db.close());

  it('turns the reserved stock into sold stock', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await reserve(orderId, product.id, 3);

    expect(await commit(orderId)).toEqual({ outcome: 'success', result: {} });

    expect(await db.stockOf(product.id)).toEqual({ available: 7, reserved: 0, sold: 3 });
    const [{ status }] = await db.dataSource.query('SELECT status FROM inventory.reservations WHERE order_id = $1', [
      orderId,
    ]);
    expect(status).toBe('COMMITTED');
  });

  it('sells once however often the same order is committed, even concurrently', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await reserve(orderId, product.id, 3);

    const outcomes = await Promise.all(Array.from({ length: 5 }, () => commit(orderId)));

    expect(outcomes).toEqual(Array.from({ length: 5 }, () => ({ outcome: 'success', result: {} })));
    expect(await db.stockOf(product.id)).toEqual({ available: 7, reserved: 0, sold: 3 });
  });

  it('answers a reserve repeated after the commit with the original reservation', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    const reserved = await reserve(orderId, product.id, 3);
    await commit(orderId);

    expect(await reserve(orderId, product.id, 3)).toEqual(reserved);
    expect(await db.stockOf(product.id)).toEqual({ available: 7, reserved: 0, sold: 3 });
  });

  it('refuses to commit an order that has no reservation', async () => {
    const orderId = randomUUID();

    expect(await commit(orderId)).toEqual({
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState, message: `Order ${orderId} has no stock reserved to sell.` },
    });
  });

  it('refuses to commit an order whose stock was released', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await reserve(orderId, product.id, 3);
    await runCommand({ dataSource: db.dataSource, sent }, inventoryRelease, releaseStock, { orderId });

    expect(await commit(orderId)).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.InvalidState } });
    expect(await db.stockOf(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('refuses to commit an order that only has a tombstone', async () => {
    const orderId = randomUUID();
    await runCommand({ dataSource: db.dataSource, sent }, inventoryRelease, releaseStock, { orderId });

    expect(await commit(orderId)).toMatchObject({ outcome: 'failure', failure: { code: FailureCode.InvalidState } });
  });
});
