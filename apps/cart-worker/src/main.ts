import { loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { inventoryCatalogue } from './catalogue';
import { CartWorkerConfig } from './cart-worker-config';
import { cartWorkerService } from './cart-worker-service';

runMain(async () => {
  const config = loadConfig(CartWorkerConfig);
  const catalogue = inventoryCatalogue({ url: new URL(config.INVENTORY_URL), timeoutMs: config.INVENTORY_TIMEOUT_MS });
  return runService(cartWorkerService({ catalogue }), config);
});
