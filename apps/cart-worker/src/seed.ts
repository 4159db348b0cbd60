import type { DataSource } from 'typeorm';
import { demoCarts, demoProducts } from '@saga/demo-data';
import { runSeed } from '@saga/runtime';
import { cartDatabase } from './cart-worker-service';
import { CartLockedError, setItemQuantity } from './domain';

/**
 * Puts the demo carts' items in at their demo quantities (running it again changes nothing) and
 * returns one line per cart saying what it did; a cart an order has locked is left alone.
 */
export async function seedCarts(dataSource: DataSource): Promise<string[]> {
  const report: string[] = [];
  for (const { userId, items } of demoCarts) {
    try {
      await dataSource.transaction(async (manager) => {
        for (const item of items) await setItemQuantity(manager, userId, item);
      });
      report.push(`cart of ${userId}: ${items.map((i) => `${i.quantity} x ${productName(i.productId)}`).join(', ')}`);
    } catch (error) {
      if (!(error instanceof CartLockedError)) throw error;
      report.push(`cart of ${userId}: left alone, ${error.message}`);
    }
  }
  return report;
}

function productName(productId: string): string {
  return demoProducts.find((p) => p.id === productId)?.name ?? productId;
}

if (require.main === module) runSeed(cartDatabase, seedCarts);
