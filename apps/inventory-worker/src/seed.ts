import { databaseUrl, loadConfig } from '@saga/config';
import { demoProducts } from '@saga/demo-data';
import { messagingEntities, messagingMigrations } from '@saga/outbox';
import { createServiceDataSource, initializeDataSource } from '@saga/persistence';
import { z } from 'zod';
import { loadCatalogue } from './domain/catalogue';
import { inventoryEntities } from './domain';
import { inventoryWorkerService } from './inventory-worker-service';
import { inventoryMigrations } from './migrations';

/** Migrates the inventory schema and upserts the demo catalogue; safe to run again. */
async function seed(): Promise<void> {
  const config = loadConfig(z.object({ DATABASE_URL: databaseUrl }));
  const dataSource = createServiceDataSource({
    url: config.DATABASE_URL,
    schema: inventoryWorkerService.schema,
    entities: [...messagingEntities, ...inventoryEntities],
    migrations: [...messagingMigrations, ...inventoryMigrations],
    applicationName: `${inventoryWorkerService.name}-seed`,
  });
  await initializeDataSource(dataSource);
  try {
    const { added, updated } = await dataSource.transaction((manager) => loadCatalogue(manager, demoProducts));
    process.stdout.write(
      `inventory: ${demoProducts.length} demo products loaded` +
        ` (added: ${added.join(', ') || 'none'}; updated: ${updated.join(', ') || 'none'})\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

seed().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`seed failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
