import { z } from 'zod';
import { baseEnv, httpPort, retentionPeriod } from '@saga/config';

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

/** order-api's environment: the common variables, how long an Idempotency-Key is remembered, rate limits. */
export const OrderApiConfig = z.object({
  ...baseEnv,
  PORT: httpPort(3000),
  /** How long an Idempotency-Key answers a retry (`24h`, `90m`); after it, the key places a new order. */
  IDEMPOTENCY_KEY_TTL: retentionPeriod('24h', 60_000),
  /** Orders one user may place per minute; past it, 429 with Retry-After. */
  ORDERS_PER_MINUTE_PER_USER: perMinute(30),
  /** Orders one client address may place per minute, across users. */
  ORDERS_PER_MINUTE_PER_ADDRESS: perMinute(300),
});
export type OrderApiConfig = z.infer<typeof OrderApiConfig>;
