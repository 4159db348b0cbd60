import { loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { InventoryWorkerConfig } from './inventory-worker-config';
import { inventoryWorkerService } from './inventory-worker-service';

runMain(async () => {
  const config = loadConfig(InventoryWorkerConfig);
  return runService(inventoryWorkerService({ lowStock: { defaultThreshold: config.LOW_STOCK_THRESHOLD } }), config);
});
