import { demoProducts } from '@saga/demo-data';
import { openInventoryDatabase, type InventoryDatabase } from '../testing/inventory-database';
import { addProduct, loadCatalogue, SkuTakenError } from './catalogue';
import { Product } from './product.entity';

describe('catalogue', () => {
  let db: InventoryDatabase;

  beforeAll(async () => {
    db = await openInventoryDatabase();
  });
  afterAll(() => db.close());

  it('loads the demo catalogue once, and on a second load refreshes prices but keeps the stock', async () => {
    const first = await db.dataSource.transaction((manager) => loadCatalogue(manager, demoProducts));
    const grinder = demoProducts[2];
    await db.dataSource.query(
      'UPDATE inventory.products SET available = available - 1, sold = sold + 1, price = 1 WHERE id = $1',
      [grinder.id],
    );

    const second = await db.dataSource.transaction((manager) => loadCatalogue(manager, demoProducts));

    expect(first).toEqual({ added: demoProducts.map((p) => p.sku), updated: [] });
    expect(second).toEqual({ added: [], updated: demoProducts.map((p) => p.sku) });
    const product = await db.dataSource.manager.findOneByOrFail(Product, { id: grinder.id });
    expect(product).toMatchObject({ price: grinder.price, available: grinder.stock - 1, sold: 1 });
    const [{ restocks }] = await db.dataSource.query(
      `SELECT count(*)::int AS restocks FROM inventory.stock_ledger WHERE kind = 'restock'`,
    );
    expect(restocks).toBe(demoProducts.length);
  });

  it('refuses a second product with the same SKU', async () => {
    await db.addProduct({ sku: 'DUPLICATE' });

    await expect(
      db.dataSource.transaction((manager) =>
        addProduct(manager, { sku: 'DUPLICATE', name: 'Other', price: 1, stock: 1 }),
      ),
    ).rejects.toThrow(SkuTakenError);
  });

  it('keeps the stock ledger append-only', async () => {
    const product = await db.addProduct();

    await expect(
      db.dataSource.query('DELETE FROM inventory.stock_ledger WHERE product_id = $1', [product.id]),
    ).rejects.toThrow('stock_ledger is append-only');
  });
});
