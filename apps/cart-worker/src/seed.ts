import { databaseUrl, loadConfig } from '@saga/config';
import { demoCarts, demoProducts } from '@saga/demo-data';
import { messagingEntities, messagingMigrations } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { cartWorkerService } from './cart-worker-service';
import { CartLockedError, cartEntities, setItemQuantity } from './domain';
import { cartMigrations } from './migrations';

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

async function main(): Promise<void> {
  const config = loadConfig(z.object({ DATABASE_URL: databaseUrl }));
  const dataSource = createServiceDataSource({
    url: config.DATABASE_URL,
    schema: cartWorkerService.schema,
    entities: [...messagingEntities, ...cartEntities],
    migrations: [...messagingMigrations, ...cartMigrations],
    applicationName: 'cart-worker-seed',
  });
  await initializeDataSource(dataSource);
  try {
    for (const line of await seedCarts(dataSource)) process.stdout.write(`${line}\n`);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`seed failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  });
}
