import { randomUUID } from 'node:crypto';
import { createLogger } from '@saga/observability';
import { createHttpApp, type HttpApp } from '@saga/runtime';
import { testIdentity } from '@saga/testing';
import { openInventoryDatabase, testLowStock, type InventoryDatabase } from '../testing/inventory-database';
import { registerProductRoutes } from './product-routes';

describe('product routes', () => {
  let db: InventoryDatabase;
  let app: HttpApp;

  beforeAll(async () => {
    db = await openInventoryDatabase();
    app = await createHttpApp(
      createLogger({ service: 'inventory-worker-test', level: 'error' }),
      testIdentity().settings,
      { service: 'inventory-worker' },
    );
    registerProductRoutes(app, { dataSource: db.dataSource, lowStock: testLowStock });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it('lists the catalogue with what shoppers may see, by name', async () => {
    const mug = await db.addProduct({ sku: 'MUG-2', name: 'Stoneware Mug', price: 1200, stock: 200 });
    const kettle = await db.addProduct({ sku: 'KETTLE-1', name: 'Copper Kettle', price: 4900, stock: 25 });

    const response = await app.inject({ method: 'GET', url: '/products' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      products: [
        { id: kettle.id, sku: 'KETTLE-1', name: 'Copper Kettle', price: 4900, available: 25, lowStockThreshold: 5 },
        { id: mug.id, sku: 'MUG-2', name: 'Stoneware Mug', price: 1200, available: 200, lowStockThreshold: 5 },
      ],
    });
  });

  it('shows one product', async () => {
    const lamp = await db.addProduct({ sku: 'LAMP-5', name: 'Limited Edition Lamp', price: 15000, stock: 1 });

    const response = await app.inject({ method: 'GET', url: `/products/${lamp.id}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: lamp.id,
      sku: 'LAMP-5',
      name: 'Limited Edition Lamp',
      price: 15000,
      available: 1,
      lowStockThreshold: 5,
    });
  });

  it('shows the low-stock threshold that applies: the product’s own, or the default', async () => {
    const own = await db.addProduct({ stock: 40, lowStockThreshold: 12 });
    const byDefault = await db.addProduct({ stock: 40 });

    const answers = await Promise.all(
      [own, byDefault].map((product) => app.inject({ method: 'GET', url: `/products/${product.id}` })),
    );

    expect(answers.map((response) => response.json().lowStockThreshold)).toEqual([12, testLowStock.defaultThreshold]);
  });

  it('answers 404 problem+json for a product that does not exist', async () => {
    const id = randomUUID();

    const response = await app.inject({ method: 'GET', url: `/products/${id}` });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not found', detail: `no product ${id}` });
  });

  it('answers 400 problem+json naming the parameter when the id is not a uuid', async () => {
    const response = await app.inject({ method: 'GET', url: '/products/not-a-uuid' });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'params.id' })]);
  });

  it('shows the catalogue to anyone: no token is needed, and one this system does not trust is ignored', async () => {
    const lamp = await db.addProduct({ sku: 'LAMP-9', name: 'Desk Lamp', price: 3000, stock: 4 });
    const untrusted = testIdentity().as('someone');

    const answers = [
      await app.inject({ method: 'GET', url: '/products' }),
      await app.inject({ method: 'GET', url: `/products/${lamp.id}` }),
      await app.inject({ method: 'GET', url: '/products', headers: untrusted }),
      await app.inject({ method: 'GET', url: `/products/${lamp.id}`, headers: untrusted }),
    ];

    expect(answers.map((response) => response.statusCode)).toEqual([200, 200, 200, 200]);
    expect(answers[1].json()).toMatchObject({ id: lamp.id, available: 4 });
  });
});
