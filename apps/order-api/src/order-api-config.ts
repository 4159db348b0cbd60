import { z } from 'zod';
import { baseEnv, httpPort, retentionPeriod } from '@saga/config';

/** order-api's environment: the common variables, and how long an Idempotency-Key is remembered. */
export const OrderApiConfig = z.object({
  ...baseEnv,
  PORT: httpPort(3000),
  /** How long an Idempotency-Key answers a retry (`24h`, `90m`); after it, the key places a new order. */
  IDEMPOTENCY_KEY_TTL: retentionPeriod('24h', 60_000),
});
export type OrderApiConfig = z.infer<typeof OrderApiConfig>;
