import { randomUUID } from 'node:crypto';
import {
  Exchange,
  inventoryCommit,
  inventoryRelease,
  inventoryReserve,
  inventoryReturn,
  lowStock,
  newEnvelope,
  type CommandContract,
  type CommandPayload,
  type MessageEnvelope,
  type OrderItem,
} from '@saga/contracts';
import { createLogger } from '@saga/observability';
import { TransactionalMessaging } from '@saga/outbox';
import { commandProcessor } from '@saga/participant';
import { setLowStockThreshold } from '../domain/catalogue';
import { openInventoryDatabase, testLowStock, type InventoryDatabase } from '../testing/inventory-database';
import { inventoryHandlers } from '.';

/** An outbox row of an inventory.low-stock event. */
interface LowStockRow {
  readonly exchange: string;
  readonly routingKey: string;
  readonly envelope: MessageEnvelope;
}

// Through the command processor on the worker's own outbox and inbox, as in production, with a relay
// that never publishes: what the worker would publish stays in inventory.outbox for the spec to read.
describe('inventory.low-stock', () => {
  let db: InventoryDatabase;
  let consume: ReturnType<typeof commandProcessor>;

  beforeAll(async () => {
    db = await openInventoryDatabase();
    consume = commandProcessor({
      consumer: 'inventory-worker',
      messaging: new TransactionalMessaging(db.dataSource, { wake: () => undefined }),
      handlers: inventoryHandlers(testLowStock),
      logger: createLogger({ service: 'inventory-worker-test', level: 'error' }),
    });
  });
  afterEach(async () => {
    expect(await db.stockDiscrepancies()).toEqual([]);
  });
  afterAll(() => db.close());

  async function deliver(envelope: MessageEnvelope): Promise<MessageEnvelope> {
    await consume({ envelope, headers: {}, queue: 'spec', redelivered: false, deliveryCount: 1, attempt: 1 });
    return envelope;
  }
  const command = <C extends CommandContract>(contract: C, payload: CommandPayload<C>) =>
    deliver(
      newEnvelope({
        type: contract.type,
        payload,
        sagaId: randomUUID(),
        correlationId: randomUUID(),
        causationId: null,
      }),
    );
  const reserve = (orderId: string, items: OrderItem[]) => command(inventoryReserve, { orderId, items });
  const reserveOne = (productId: string, quantity: number) => reserve(randomUUID(), [{ productId, quantity }]);
  const eventsOf = async (productId: string): Promise<LowStockRow[]> =>
    db.dataSource.query(
      `SELECT exchange, routing_key AS "routingKey", envelope FROM inventory.outbox
        WHERE envelope->>'type' = $1 AND envelope->'payload'->>'productId' = $2 ORDER BY id`,
      [lowStock.type, productId],
    );
  const payloadsOf = async (productId: string) => (await eventsOf(productId)).map((row) => row.envelope.payload);

  it('publishes one event, in the transaction of the reservation that takes a product below its threshold', async () => {
    const product = await db.addProduct({ name: 'Burr Grinder', stock: 10 });
    await reserveOne(product.id, 4);
    expect(await eventsOf(product.id)).toEqual([]);

    const crossing = await reserveOne(product.id, 2);

    const events = await eventsOf(product.id);
    expect(events).toEqual([
      {
        exchange: Exchange.Events,
        routingKey: lowStock.type,
        envelope: expect.objectContaining({
          type: lowStock.type,
          schemaVersion: lowStock.schemaVersion,
          sagaId: crossing.sagaId,
          correlationId: crossing.correlationId,
          causationId: crossing.messageId,
          payload: { productId: product.id, name: 'Burr Grinder', available: 4, threshold: 5 },
        }),
      },
    ]);
    expect(lowStock.payload.parse(events[0].envelope.payload)).toEqual(events[0].envelope.payload);
    // The inbox row of the command lists the event with the reply: they were written in its transaction.
    const [{ sent }] = await db.dataSource.query(
      `SELECT outbox_message_ids::text[] AS sent FROM inventory.inbox WHERE message_id = $1`,
      [crossing.messageId],
    );
    expect(sent).toHaveLength(2);
    expect(sent).toContain(events[0].envelope.messageId);
  });

  it('publishes nothing for a reservation that leaves the product at its threshold', async () => {
    const product = await db.addProduct({ stock: 10 });

    await reserveOne(product.id, 5);

    expect(await db.stockOf(product.id)).toMatchObject({ available: 5 });
    expect(await eventsOf(product.id)).toEqual([]);
  });

  it('publishes nothing for a product that was below its threshold already, nor for a refused reservation', async () => {
    const product = await db.addProduct({ stock: 4 });

    await reserveOne(product.id, 1);
    await reserveOne(product.id, 1);
    await reserveOne(product.id, 5);

    expect(await db.stockOf(product.id)).toMatchObject({ available: 2 });
    expect(await eventsOf(product.id)).toEqual([]);
  });

  it('publishes nothing new when the same command is delivered again', async () => {
    const product = await db.addProduct({ stock: 5 });
    const crossing = await reserveOne(product.id, 1);
    const [first] = await eventsOf(product.id);

    await deliver(crossing);
    await deliver(crossing);

    // The inbox re-sends the original rows (same message id, which receivers de-duplicate) and moves no stock.
    expect(await eventsOf(product.id)).toEqual([first]);
    expect(await db.stockOf(product.id)).toEqual({ available: 4, reserved: 1, sold: 0 });
  });

  it('publishes one event per product a reservation of several takes below its threshold', async () => {
    const crosses = await db.addProduct({ stock: 6 });
    const staysAbove = await db.addProduct({ stock: 10 });
    const emptied = await db.addProduct({ stock: 5 });

    await reserve(randomUUID(), [
      { productId: crosses.id, quantity: 2 },
      { productId: staysAbove.id, quantity: 2 },
      { productId: emptied.id, quantity: 5 },
    ]);

    expect(await payloadsOf(crosses.id)).toEqual([expect.objectContaining({ available: 4, threshold: 5 })]);
    expect(await payloadsOf(staysAbove.id)).toEqual([]);
    expect(await payloadsOf(emptied.id)).toEqual([expect.objectContaining({ available: 0, threshold: 5 })]);
  });

  it('follows a product’s own threshold, above or below the default', async () => {
    const high = await db.addProduct({ stock: 30, lowStockThreshold: 20 });
    const low = await db.addProduct({ stock: 10, lowStockThreshold: 1 });

    await reserveOne(high.id, 5);
    await reserveOne(low.id, 6);
    expect(await payloadsOf(high.id)).toEqual([]);
    expect(await payloadsOf(low.id)).toEqual([]);

    await reserveOne(high.id, 6);
    await reserveOne(low.id, 4);
    expect(await payloadsOf(high.id)).toEqual([expect.objectContaining({ available: 19, threshold: 20 })]);
    expect(await payloadsOf(low.id)).toEqual([expect.objectContaining({ available: 0, threshold: 1 })]);
  });

  it('publishes again when a released order brings the stock back and a later one takes it below', async () => {
    const product = await db.addProduct({ stock: 10 });
    const first = randomUUID();
    await reserve(first, [{ productId: product.id, quantity: 6 }]);
    await command(inventoryRelease, { orderId: first });

    await reserveOne(product.id, 6);

    expect(await payloadsOf(product.id)).toEqual([
      expect.objectContaining({ available: 4 }),
      expect.objectContaining({ available: 4 }),
    ]);
  });

  it('publishes again after a restock to the threshold or above, but not after one that stays below', async () => {
    const product = await db.addProduct({ stock: 10 });
    await reserveOne(product.id, 8);
    await db.restock(product.id, 1);
    await reserveOne(product.id, 1);
    expect(await payloadsOf(product.id)).toEqual([expect.objectContaining({ available: 2 })]);

    await db.restock(product.id, 4);
    await reserveOne(product.id, 3);

    expect(await payloadsOf(product.id)).toEqual([
      expect.objectContaining({ available: 2 }),
      expect.objectContaining({ available: 3 }),
    ]);
  });

  it('publishes nothing when reserved stock is sold, and again once returned stock is reserved below', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await reserve(orderId, [{ productId: product.id, quantity: 6 }]);
    await command(inventoryCommit, { orderId });
    expect(await payloadsOf(product.id)).toHaveLength(1);

    await command(inventoryReturn, {
      refundId: randomUUID(),
      orderId,
      items: [{ productId: product.id, quantity: 6 }],
    });
    await reserveOne(product.id, 7);

    expect(await payloadsOf(product.id)).toEqual([
      expect.objectContaining({ available: 4 }),
      expect.objectContaining({ available: 3 }),
    ]);
  });

  it('tells nothing when a threshold is raised above the stock: only a fall of stock is a crossing', async () => {
    const product = await db.addProduct({ stock: 10 });
    await db.dataSource.transaction((manager) => setLowStockThreshold(manager, product.id, 20));

    await reserveOne(product.id, 1);
    expect(await payloadsOf(product.id)).toEqual([]);
    await db.restock(product.id, 11);
    await reserveOne(product.id, 1);

    expect(await payloadsOf(product.id)).toEqual([
      { productId: product.id, name: product.name, available: 19, threshold: 20 },
    ]);
  });

  it('publishes once however many orders race past the threshold together', async () => {
    const product = await db.addProduct({ stock: 10 });

    await Promise.all(Array.from({ length: 10 }, () => reserveOne(product.id, 1)));

    expect(await db.stockOf(product.id)).toMatchObject({ available: 0 });
    expect(await payloadsOf(product.id)).toEqual([expect.objectContaining({ available: 4 })]);
  });
});
