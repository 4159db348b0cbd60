import { z } from 'zod';
import { baseEnv, httpPort } from '@saga/config';

/** The cart worker's environment: the common variables, and where the catalogue it checks products in is. */
export const CartWorkerConfig = z.object({
  ...baseEnv,
  PORT: httpPort(3003),
  /** The inventory worker, whose GET /products/:id says whether a product may go in a cart. */
  INVENTORY_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('http://127.0.0.1:3001'),
  /** How long the catalogue may take to answer before an add is refused with 503. */
  INVENTORY_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
});
export type CartWorkerConfig = z.infer<typeof CartWorkerConfig>;
