import { demoProducts } from '@saga/demo-data';
import { runSeed } from '@saga/runtime';
import { loadCatalogue } from './domain/catalogue';
import { inventoryDatabase } from './inventory-worker-service';

/** Migrates the inventory schema and upserts the demo catalogue; safe to run again. */
runSeed(inventoryDatabase, async (dataSource) => {
  const { added, updated } = await dataSource.transaction((manager) => loadCatalogue(manager, demoProducts));
  return [
    `inventory: ${demoProducts.length} demo products loaded` +
      ` (added: ${added.join(', ') || 'none'}; updated: ${updated.join(', ') || 'none'})`,
  ];
});
