import { randomUUID } from 'node:crypto';
import { inventoryReserve } from '@saga/contracts';
import type { PendingMessage } from '@saga/outbox';
import { runCommand } from '@saga/participant/testing';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '@saga/runtime';
import { Role } from '@saga/identity';
import { testIdentity } from '@saga/testing';
import { reserveStock } from '../commands/reserve-stock';
import { openInventoryDatabase, testLowStock, type InventoryDatabase } from '../testing/inventory-database';
import { registerAdminProductRoutes } from './admin-product-routes';

describe('admin product routes', () => {
  let db: InventoryDatabase;
  let app: HttpApp;
  const identity = testIdentity();
  const admin = identity.as('shop-admin', Role.Admin);
  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, headers: admin, payload: payload as object });
  const put = (url: string, payload: unknown) =>
    app.inject({ method: 'PUT', url, headers: admin, payload: payload as object });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: admin });

  beforeAll(async () => {
    db = await openInventoryDatabase();
    app = await createHttpApp(createLogger({ service: 'inventory-worker-test', level: 'error' }), identity.settings, {
      service: 'inventory-worker',
    });
    registerAdminProductRoutes(app, { dataSource: db.dataSource, lowStock: testLowStock });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  // Handlers send nothing besides their reply, which the command processor sends.
  const sent: PendingMessage[] = [];
  afterEach(() => expect(sent).toEqual([]));

  it('adds a product with its stock and answers 201 with where to find it', async () => {
    const response = await post('/admin/products', { sku: 'GRINDER-3', name: 'Burr Grinder', price: 8900, stock: 10 });

    expect(response.statusCode).toBe(201);
    const product = response.json();
    expect(product).toEqual({
      id: expect.any(String),
      sku: 'GRINDER-3',
      name: 'Burr Grinder',
      price: 8900,
      available: 10,
      reserved: 0,
      sold: 0,
      lowStockThreshold: 5,
      lowStockThresholdSource: 'default',
      updatedAt: expect.any(String),
    });
    expect(response.headers.location).toBe(`/products/${product.id}`);
    expect(await db.stockDiscrepancies()).toEqual([]);
  });

  it('answers 409 for a SKU that is taken', async () => {
    await post('/admin/products', { sku: 'TAKEN-1', name: 'First', price: 100, stock: 1 });

    const response = await post('/admin/products', { sku: 'TAKEN-1', name: 'Second', price: 100, stock: 1 });

    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 409, sku: 'TAKEN-1' });
  });

  it('answers 400 problem+json naming the field when the body is malformed', async () => {
    const response = await post('/admin/products', { sku: 'BAD-1', name: 'Bad', price: 12.5, stock: 1 });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'price' })]);
  });

  it('adds a product with a low-stock threshold of its own', async () => {
    const response = await post('/admin/products', {
      sku: 'KETTLE-7',
      name: 'Copper Kettle',
      price: 4900,
      stock: 40,
      lowStockThreshold: 12,
    });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ lowStockThreshold: 12, lowStockThresholdSource: 'product' });
  });

  it('sets a product’s low-stock threshold, and with null puts it back on the default', async () => {
    const product = await db.addProduct({ stock: 40 });

    const own = await put(`/admin/products/${product.id}/low-stock-threshold`, { lowStockThreshold: 25 });
    const [{ stored }] = await db.dataSource.query(
      'SELECT low_stock_threshold AS stored FROM inventory.products WHERE id = $1',
      [product.id],
    );
    const reset = await put(`/admin/products/${product.id}/low-stock-threshold`, { lowStockThreshold: null });

    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({
      id: product.id,
      available: 40,
      lowStockThreshold: 25,
      lowStockThresholdSource: 'product',
    });
    expect(stored).toBe(25);
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toMatchObject({ lowStockThreshold: 5, lowStockThresholdSource: 'default' });
    expect(await db.stockOf(product.id)).toEqual({ available: 40, reserved: 0, sold: 0 });
  });

  it('answers 404 for the low-stock threshold of a product that does not exist', async () => {
    const response = await put(`/admin/products/${randomUUID()}/low-stock-threshold`, { lowStockThreshold: 3 });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  describe('a low-stock threshold that is not a whole number from 1 to 1,000,000,000', () => {
    // A number past 2^53 breaks two rules at once (an unsafe integer, and too big): both name the field.
    const fieldsAtFault = (problem: { errors: { field: string }[] }) => [
      ...new Set(problem.errors.map((error) => error.field)),
    ];
    const invalid: [string, unknown][] = [
      ['zero', 0],
      ['negative', -3],
      ['not whole', 2.5],
      ['huge', 1_000_000_001],
      ['past what JSON numbers hold exactly', 2 ** 60],
      ['a string', '5'],
    ];

    it.each(invalid)('is refused with 400 naming the field when setting it: %s', async (_what, lowStockThreshold) => {
      const product = await db.addProduct({ lowStockThreshold: 7 });

      const response = await put(`/admin/products/${product.id}/low-stock-threshold`, { lowStockThreshold });

      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(fieldsAtFault(response.json())).toEqual(['lowStockThreshold']);
      const [{ stored }] = await db.dataSource.query(
        'SELECT low_stock_threshold AS stored FROM inventory.products WHERE id = $1',
        [product.id],
      );
      expect(stored).toBe(7);
    });

    it.each(invalid)(
      'is refused with 400 naming the field when adding a product: %s',
      async (_what, lowStockThreshold) => {
        const sku = `INVALID-${randomUUID()}`;

        const response = await post('/admin/products', {
          sku,
          name: 'Invalid',
          price: 100,
          stock: 1,
          lowStockThreshold,
        });

        expect(response.statusCode).toBe(400);
        expect(fieldsAtFault(response.json())).toEqual(['lowStockThreshold']);
        expect(await db.dataSource.query('SELECT id FROM inventory.products WHERE sku = $1', [sku])).toEqual([]);
      },
    );

    it('is refused with 400 naming the field when the body leaves it out', async () => {
      const product = await db.addProduct();

      const response = await put(`/admin/products/${product.id}/low-stock-threshold`, {});

      expect(response.statusCode).toBe(400);
      expect(fieldsAtFault(response.json())).toEqual(['lowStockThreshold']);
    });
  });

  it('restocks a product through the ledger', async () => {
    const product = await db.addProduct({ stock: 2 });

    const response = await post(`/admin/products/${product.id}/restock`, { quantity: 5 });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: product.id, available: 7, reserved: 0, sold: 0 });
    expect(await db.stockDiscrepancies()).toEqual([]);
  });

  it('refuses a restock that would take a product past the stock its counters hold, with 422 naming the quantity', async () => {
    const product = await db.addProduct({ stock: 10 });
    await db.dataSource.query('UPDATE inventory.products SET available = 999999990 WHERE id = $1', [product.id]);
    await db.dataSource.query(
      `INSERT INTO inventory.stock_ledger (product_id, order_id, kind, quantity) VALUES ($1, NULL, 'restock', 999999980)`,
      [product.id],
    );

    const past = await post(`/admin/products/${product.id}/restock`, { quantity: 11 });
    const right = await post(`/admin/products/${product.id}/restock`, { quantity: 10 });

    expect(past.statusCode).toBe(422);
    expect(past.json()).toMatchObject({ field: 'quantity', detail: expect.stringContaining('at most 10 more') });
    expect(right.statusCode).toBe(200);
    expect(right.json()).toMatchObject({ available: 1_000_000_000 });
  });

  it('refuses to restock nothing, or a product that does not exist', async () => {
    const product = await db.addProduct();

    const zero = await post(`/admin/products/${product.id}/restock`, { quantity: 0 });
    const unknown = await post(`/admin/products/${randomUUID()}/restock`, { quantity: 1 });

    expect(zero.statusCode).toBe(400);
    expect(zero.json().errors).toEqual([expect.objectContaining({ field: 'quantity' })]);
    expect(unknown.statusCode).toBe(404);
  });

  it('shows the stock ledger of a product oldest first, a page at a time', async () => {
    const product = await db.addProduct({ stock: 10 });
    const orderId = randomUUID();
    await runCommand({ dataSource: db.dataSource, sent }, inventoryReserve, reserveStock(testLowStock), {
      orderId,
      items: [{ productId: product.id, quantity: 3 }],
    });
    await db.restock(product.id, 4);

    const firstPage = await get(`/admin/products/${product.id}/ledger?limit=2`);
    const secondPage = await get(`/admin/products/${product.id}/ledger?limit=2&after=${firstPage.json().next}`);

    expect(firstPage.statusCode).toBe(200);
    expect(firstPage.json()).toMatchObject({
      productId: product.id,
      entries: [
        { kind: 'restock', quantity: 10, orderId: null },
        { kind: 'reserve', quantity: 3, orderId },
      ],
      next: expect.any(String),
    });
    expect(secondPage.json()).toMatchObject({ entries: [{ kind: 'restock', quantity: 4, orderId: null }], next: null });
  });

  it('answers 404 for the ledger of a product that does not exist', async () => {
    const response = await get(`/admin/products/${randomUUID()}/ledger`);

    expect(response.statusCode).toBe(404);
  });

  describe('who may call them', () => {
    const productCount = () => db.dataSource.query('SELECT count(*)::int AS count FROM inventory.products');
    const attemptsAs = (headers: Record<string, string>, productId: string) => [
      app.inject({
        method: 'POST',
        url: '/admin/products',
        headers,
        payload: { sku: `REFUSED-${randomUUID()}`, name: 'Refused', price: 100, stock: 1 },
      }),
      app.inject({ method: 'POST', url: `/admin/products/${productId}/restock`, headers, payload: { quantity: 5 } }),
      app.inject({ method: 'GET', url: `/admin/products/${productId}/ledger`, headers }),
      app.inject({
        method: 'PUT',
        url: `/admin/products/${productId}/low-stock-threshold`,
        headers,
        payload: { lowStockThreshold: 1 },
      }),
    ];
    const thresholdOf = async (productId: string) =>
      (
        await db.dataSource.query('SELECT low_stock_threshold AS threshold FROM inventory.products WHERE id = $1', [
          productId,
        ])
      )[0].threshold;

    it('answers every admin route without a token 401 with a Bearer challenge, and changes no stock', async () => {
      const product = await db.addProduct({ stock: 3 });
      const before = await productCount();

      const attempts = await Promise.all(attemptsAs({}, product.id));

      for (const response of attempts) {
        expect(response.statusCode).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="saga"');
      }
      expect(await productCount()).toEqual(before);
      expect(await db.stockOf(product.id)).toEqual({ available: 3, reserved: 0, sold: 0 });
      expect(await thresholdOf(product.id)).toBeNull();
    });

    it.each([
      ['a shopper', []],
      ['an operator', [Role.Operator]],
    ])('answers %s 403 naming the admin role, and changes no stock', async (_who, roles) => {
      const product = await db.addProduct({ stock: 3 });
      const before = await productCount();

      const attempts = await Promise.all(attemptsAs(identity.as('not-an-admin', ...roles), product.id));

      for (const response of attempts) {
        expect(response.statusCode).toBe(403);
        expect(response.json()).toMatchObject({ status: 403, roles: [Role.Admin] });
      }
      expect(await productCount()).toEqual(before);
      expect(await db.stockOf(product.id)).toEqual({ available: 3, reserved: 0, sold: 0 });
      expect(await thresholdOf(product.id)).toBeNull();
      expect(await db.stockDiscrepancies()).toEqual([]);
    });
  });
});
