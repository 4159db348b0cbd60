import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Product } from './product.entity';
import { moveStock, StockMovementKind } from './stock-movement';

/** A product as an administrator adds it: price in cents, its first stock as a restock. */
export interface NewProduct {
  readonly id?: string;
  readonly sku: string;
  readonly name: string;
  readonly price: number;
  readonly stock: number;
  /** Its own low-stock threshold; absent or null, it follows the default. */
  readonly lowStockThreshold?: number | null;
}

/** Thrown when a product is added with a SKU another product already has. */
export class SkuTakenError extends Error {
  constructor(readonly sku: string) {
    super(`a product with SKU ${sku} exists already`);
    this.name = 'SkuTakenError';
  }
}

/** Adds a product; its initial stock enters through the ledger like any restock. Throws SkuTakenError. */
export async function addProduct(manager: EntityManager, input: NewProduct): Promise<Product> {
  const id = input.id ?? randomUUID();
  const inserted = await manager
    .createQueryBuilder()
    .insert()
    .into(Product)
    .values({
      id,
      sku: input.sku,
      name: input.name,
      price: input.price,
      available: 0,
      reserved: 0,
      sold: 0,
      lowStockThreshold: input.lowStockThreshold ?? null,
    })
    .orIgnore()
    .returning(['id'])
    .execute();
  if (inserted.raw.length === 0) throw new SkuTakenError(input.sku);
  if (input.stock > 0)
    await moveStock(manager, [{ kind: StockMovementKind.Restock, productId: id, quantity: input.stock }]);
  return manager.findOneByOrFail(Product, { id });
}

/** Adds stock to a product and returns it, or null if there is no such product. */
export async function restockProduct(
  manager: EntityManager,
  productId: string,
  quantity: number,
): Promise<Product | null> {
  const product = await manager.findOne(Product, { where: { id: productId }, lock: { mode: 'pessimistic_write' } });
  if (!product) return null;
  const stock = product.available + product.reserved + product.sold;
  if (stock + quantity > maxProductStock) throw new StockLimitError(product.sku, maxProductStock - stock);
  await moveStock(manager, [{ kind: StockMovementKind.Restock, productId, quantity }]);
  return manager.findOneByOrFail(Product, { id: productId });
}

/**
 * Sets the product's own low-stock threshold, or with null puts it back on the default, and returns the
 * product, or null if there is no such product. It tells no one: only a fall of stock is a crossing.
 */
export async function setLowStockThreshold(
  manager: EntityManager,
  productId: string,
  threshold: number | null,
): Promise<Product | null> {
  const { affected } = await manager.update(
    Product,
    { id: productId },
    { lowStockThreshold: threshold, updatedAt: () => 'now()' },
  );
  if (affected === 0) return null;
  return manager.findOneByOrFail(Product, { id: productId });
}

/** The most units one product may have in all (available, reserved and sold): its counters are int. */
export const maxProductStock = 1_000_000_000;

/** Thrown when a restock would take a product's stock past maxProductStock. */
export class StockLimitError extends Error {
  constructor(
    readonly sku: string,
    readonly room: number,
  ) {
    super(`product ${sku} can take at most ${room} more units (a product holds at most ${maxProductStock})`);
    this.name = 'StockLimitError';
  }
}

/** What loading a catalogue did: the SKUs it added, and those it only updated (name, price). */
export interface CatalogueLoad {
  readonly added: readonly string[];
  readonly updated: readonly string[];
}

/**
 * Upserts a catalogue by product id: a new product comes with its stock; a known one gets its SKU,
 * name and price refreshed but keeps its stock, which orders have been moving since.
 */
export async function loadCatalogue(
  manager: EntityManager,
  products: readonly Required<Omit<NewProduct, 'lowStockThreshold'>>[],
): Promise<CatalogueLoad> {
  const added: string[] = [];
  const updated: string[] = [];
  for (const product of products) {
    if (await manager.existsBy(Product, { id: product.id })) {
      await manager.update(
        Product,
        { id: product.id },
        { sku: product.sku, name: product.name, price: product.price, updatedAt: () => 'now()' },
      );
      updated.push(product.sku);
    } else {
      await addProduct(manager, product);
      added.push(product.sku);
    }
  }
  return { added, updated };
}
