import { loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { OrderApiConfig } from './order-api-config';
import { orderApiService } from './order-api-service';

runMain(() => {
  const config = loadConfig(OrderApiConfig);
  return runService(
    orderApiService({
      idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL,
      orderRateLimits: {
        perUser: config.ORDERS_PER_MINUTE_PER_USER,
        perAddress: config.ORDERS_PER_MINUTE_PER_ADDRESS,
      },
    }),
    config,
  );
});
