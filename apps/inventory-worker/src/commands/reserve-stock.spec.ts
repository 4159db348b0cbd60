import { randomUUID } from 'node:crypto';
import { FailureCode, inventoryRelease, inventoryReserve, type OrderItem } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { openInventoryDatabase, testLowStock, type InventoryDatabase } from '../testing/inventory-database';
import { Reservation } from '../domain/reservation.entity';
import { releaseStock } from './release-stock';
import { reserveStock } from './reserve-stock';

describe('inventory.reserve', () => {
  let db: InventoryDatabase;
  // Besides its reply, which the command processor sends, a reserve sends only the low-stock events a test
  // takes out of sent (low-stock.spec checks them through the outbox).
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent).toEqual([]));
  const reserve = (orderId: string, items: OrderItem[]) =>
    runCommand({ dataSource: db.dataSource, sent }, inventoryReserve, reserveStock(testLowStock), { orderId, items });
  const reservationsOf = (orderId: string) =>
    db.dataSource.manager.find(Reservation, { select: { status: true, total: true }, where: { orderId } });

  beforeAll(async () => {
    db = await openInventoryDatabase();
  });
  afterEach(async () => {
    expect(await db.stockDiscrepancies()).toEqual([]);
  });
  afterAll(() => db.close());

  it('reserves every item, prices it and moves the stock from available to reserved', async () => {
    const kettle = await db.addProduct({ name: 'Copper Kettle', price: 4900, stock: 25 });
    const mug = await db.addProduct({ name: 'Stoneware Mug', price: 1200, stock: 200 });
    const orderId = randomUUID();

    const outcome = await reserve(orderId, [
      { productId: kettle.id, quantity: 1 },
      { productId: mug.id, quantity: 2 },
    ]);

    expect(outcome).toEqual({
      outcome: 'success',
      result: {
        reservationId: expect.any(String),
        items: expect.arrayContaining([
          { productId: kettle.id, quantity: 1, name: 'Copper Kettle', unitPrice: 4900 },
          { productId: mug.id, quantity: 2, name: 'Stoneware Mug', unitPrice: 1200 },
        ]),
        total: 4900 + 2 * 1200,
        currency: 'USD',
      },
    });
    expect(await db.stockOf(kettle.id)).toEqual({ available: 24, reserved: 1, sold: 0 });
    expect(await db.stockOf(mug.id)).toEqual({ available: 198, reserved: 2, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([{ status: 'ACTIVE', total: 7300 }]);
    const ledger = await db.dataSource.query(
      `SELECT product_id AS "productId", kind, quantity FROM inventory.stock_ledger WHERE order_id = $1 ORDER BY product_id`,
      [orderId],
    );
    expect(ledger).toEqual(
      [
        { productId: kettle.id, kind: 'reserve', quantity: 1 },
        { productId: mug.id, kind: 'reserve', quantity: 2 },
      ].sort((a, b) => (a.productId < b.productId ? -1 : 1)),
    );
  });

  it('adds up the quantities of a product listed twice', async () => {
    const product = await db.addProduct({ stock: 5 });

    const outcome = await reserve(randomUUID(), [
      { productId: product.id, quantity: 2 },
      { productId: product.id, quantity: 3 },
    ]);

    expect(outcome).toMatchObject({
      outcome: 'success',
      result: { items: [{ productId: product.id, quantity: 5 }], total: 5000 },
    });
    expect(await db.stockOf(product.id)).toEqual({ available: 0, reserved: 5, sold: 0 });
    expect(sent.splice(0).map((message) => message.envelope.payload)).toEqual([
      { productId: product.id, name: product.name, available: 0, threshold: 5 },
    ]);
  });

  it('reserves nothing of a two-item order when one item is short, and says what is left', async () => {
    const kettle = await db.addProduct({ name: 'Copper Kettle', stock: 25 });
    const grinder = await db.addProduct({ name: 'Burr Grinder', stock: 3 });
    const orderId = randomUUID();

    const outcome = await reserve(orderId, [
      { productId: kettle.id, quantity: 1 },
      { productId: grinder.id, quantity: 5 },
    ]);

    expect(outcome).toEqual({
      outcome: 'failure',
      failure: { code: FailureCode.OutOfStock, message: 'Only 3 of Burr Grinder left; 5 requested.' },
    });
    expect(await db.stockOf(kettle.id)).toEqual({ available: 25, reserved: 0, sold: 0 });
    expect(await db.stockOf(grinder.id)).toEqual({ available: 3, reserved: 0, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([]);
  });

  it('refuses an order naming a product the catalogue does not have, reserving nothing', async () => {
    const product = await db.addProduct();
    const missing = randomUUID();
    const orderId = randomUUID();

    const outcome = await reserve(orderId, [
      { productId: product.id, quantity: 1 },
      { productId: missing, quantity: 1 },
    ]);

    expect(outcome).toEqual({
      outcome: 'failure',
      failure: { code: FailureCode.UnknownProduct, message: `Product ${missing} is not in the catalogue.` },
    });
    expect(await db.stockOf(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
    expect(await reservationsOf(orderId)).toEqual([]);
  });

  it('prices past the old int limit exactly, and refuses a total past the limit at once, reserving nothing', async () => {
    const yacht = await db.addProduct({ name: 'Yacht', price: 2 ** 31 + 1, stock: 100 });
    const fine = randomUUID();
    const tooLarge = randomUUID();

    const reserved = await reserve(fine, [{ productId: yacht.id, quantity: 2 }]);
    const refused = await reserve(tooLarge, [{ productId: yacht.id, quantity: 50 }]);

    expect(reserved).toMatchObject({ outcome: 'success', result: { total: 2 * (2 ** 31 + 1) } });
    expect(await reservationsOf(fine)).toEqual([{ status: 'ACTIVE', total: 2 * (2 ** 31 + 1) }]);
    expect(refused).toEqual({
      outcome: 'failure',
      failure: { code: FailureCode.AmountTooLarge, message: expect.stringContaining('$1,073,741,824.50, more than') },
    });
    expect(await db.stockOf(yacht.id)).toEqual({ available: 98, reserved: 2, sold: 0 });
    expect(await reservationsOf(tooLarge)).toEqual([]);
  });

  it('answers a repeated reserve for the same order with the same reservation and moves stock once', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    const items = [{ productId: product.id, quantity: 4 }];

    const first = await reserve(orderId, items);
    const second = await reserve(orderId, items);

    expect(second).toEqual(first);
    expect(await db.stockOf(product.id)).toEqual({ available: 6, reserved: 4, sold: 0 });
  });

  it('gives concurrent attempts for the same order one reservation between them', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();

    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => reserve(orderId, [{ productId: product.id, quantity: 2 }])),
    );

    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
    expect(outcomes[0].outcome).toBe('success');
    expect(await db.stockOf(product.id)).toEqual({ available: 8, reserved: 2, sold: 0 });
  });

  it('lets an order refused for lack of stock succeed once the product is restocked', async () => {
    const product = await db.addProduct({ stock: 1 });
    const orderId = randomUUID();
    const items = [{ productId: product.id, quantity: 2 }];

    expect(await reserve(orderId, items)).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.OutOfStock },
    });
    await db.restock(product.id, 1);

    expect(await reserve(orderId, items)).toMatchObject({ outcome: 'success', result: { total: 2000 } });
  });

  it('refuses a reserve that arrives after the order was released without a reservation (tombstone)', async () => {
    const product = await db.addProduct();
    const orderId = randomUUID();

    expect(await runCommand({ dataSource: db.dataSource, sent }, inventoryRelease, releaseStock, { orderId })).toEqual({
      outcome: 'success',
      result: {},
    });
    const outcome = await reserve(orderId, [{ productId: product.id, quantity: 1 }]);

    expect(outcome).toEqual({
      outcome: 'failure',
      failure: {
        code: FailureCode.InvalidState,
        message: `Order ${orderId} was cancelled before its stock could be reserved.`,
      },
    });
    expect(await db.stockOf(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('refuses to reserve again for an order whose reservation was released', async () => {
    const product = await db.addProduct();
    const orderId = randomUUID();
    await reserve(orderId, [{ productId: product.id, quantity: 1 }]);
    await runCommand({ dataSource: db.dataSource, sent }, inventoryRelease, releaseStock, { orderId });

    expect(await reserve(orderId, [{ productId: product.id, quantity: 1 }])).toMatchObject({
      outcome: 'failure',
      failure: { code: FailureCode.InvalidState },
    });
    expect(await db.stockOf(product.id)).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('never oversells: of 50 concurrent orders for 1 unit with 10 in stock exactly 10 succeed', async () => {
    const product = await db.addProduct({ name: 'Burr Grinder', stock: 10 });
    const seen: number[] = [];
    let reserving = true;
    const sampling = (async () => {
      while (reserving) {
        seen.push((await db.stockOf(product.id)).available);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => reserve(randomUUID(), [{ productId: product.id, quantity: 1 }])),
    );
    reserving = false;
    await sampling;

    expect(outcomes.filter((o) => o.outcome === 'success')).toHaveLength(10);
    const failures = outcomes.flatMap((o) => (o.outcome === 'failure' ? [o.failure] : []));
    expect(failures).toHaveLength(40);
    expect(new Set(failures.map((f) => f.code))).toEqual(new Set([FailureCode.OutOfStock]));
    expect(failures[0].message).toBe('None of Burr Grinder left; 1 requested.');
    expect(await db.stockOf(product.id)).toEqual({ available: 0, reserved: 10, sold: 0 });
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
    const [{ reserves }] = await db.dataSource.query(
      `SELECT count(*)::int AS reserves FROM inventory.stock_ledger WHERE product_id = $1 AND kind = 'reserve'`,
      [product.id],
    );
    expect(reserves).toBe(10);
    // Ten reservations took the grinder from 10 to 0; the one that took it from 5 to 4 tells the shop.
    expect(sent.splice(0).map((message) => message.envelope.payload)).toEqual([
      { productId: product.id, name: 'Burr Grinder', available: 4, threshold: 5 },
    ]);
  });

  it('does not deadlock when concurrent orders ask for the same products in opposite orders', async () => {
    const first = await db.addProduct({ stock: 100 });
    const second = await db.addProduct({ stock: 100 });

    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        reserve(
          randomUUID(),
          i % 2 === 0
            ? [
                { productId: first.id, quantity: 1 },
                { productId: second.id, quantity: 2 },
              ]
            : [
                { productId: second.id, quantity: 2 },
                { productId: first.id, quantity: 1 },
              ],
        ),
      ),
    );

    expect(outcomes.every((o) => o.outcome === 'success')).toBe(true);
    expect(await db.stockOf(first.id)).toEqual({ available: 70, reserved: 30, sold: 0 });
    expect(await db.stockOf(second.id)).toEqual({ available: 40, reserved: 60, sold: 0 });
  });
});
