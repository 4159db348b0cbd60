import { z } from 'zod';
import { baseEnv, httpPort } from '@saga/config';
import { maxLowStockThreshold } from './domain/low-stock';

const thresholdMessage = `expected an integer from 1 to ${maxLowStockThreshold}`;

/** The inventory worker's environment: the common variables, and the low-stock threshold of products without their own. */
export const InventoryWorkerConfig = z.object({
  ...baseEnv,
  PORT: httpPort(3001),
  /** Below this many available units a product is low on stock (inventory.low-stock), unless it has its own threshold. */
  LOW_STOCK_THRESHOLD: z.coerce
    .number({ error: thresholdMessage })
    .int({ error: thresholdMessage })
    .min(1, { error: thresholdMessage })
    .max(maxLowStockThreshold, { error: thresholdMessage })
    .default(5),
});
export type InventoryWorkerConfig = z.infer<typeof InventoryWorkerConfig>;
