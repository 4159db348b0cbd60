import { z } from 'zod';
import { baseEnv, httpPort, optionalRetentionPeriod } from '@saga/config';
import { defaultSagaResendPolicy } from '@saga/retry';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The orchestrator's environment: the common variables, and the limits it runs the saga with. */
export const OrderSagaConfig = z.object({
  ...baseEnv,
  PORT: httpPort(3004),
  /** How long a worker has to answer a command before the step counts as timed out. */
  SAGA_STEP_TIMEOUT_MS: positiveInt(30_000),
  /** How many times a command is sent (first try included) before the saga needs a person. */
  SAGA_MAX_ATTEMPTS: positiveInt(defaultSagaResendPolicy.maxAttempts),
  /** The first re-send's wait; it doubles per attempt, with jitter, up to SAGA_RETRY_MAX_DELAY_MS. */
  SAGA_RETRY_BASE_DELAY_MS: positiveInt(defaultSagaResendPolicy.retryBaseDelayMs),
  SAGA_RETRY_MAX_DELAY_MS: positiveInt(defaultSagaResendPolicy.retryMaxDelayMs),
  /** How often the orchestrator looks for passed deadlines. */
  DEADLINE_SCAN_INTERVAL_MS: positiveInt(1_000),
  /**
   * How long a finished saga (COMPLETED or FAILED) is kept with its log, e.g. 90d; `off` (the default)
   * keeps every saga, the audit trail of every order. At least a day.
   */
  SAGA_RETENTION: optionalRetentionPeriod('off', 86_400_000),
});
export type OrderSagaConfig = z.infer<typeof OrderSagaConfig>;
