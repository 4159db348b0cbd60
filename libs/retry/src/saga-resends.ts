/**
 * How the saga engine sends a command again (a failure that may pass, a missed deadline): the wait
 * doubles from the base with each attempt up to the cap, ±20% jitter, until maxAttempts sends.
 */
export interface SagaResendPolicy {
  /** The wait before the first re-send. */
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** How many times a command is sent (first try included) before the saga needs a person. */
  readonly maxAttempts: number;
}

/** 1 s, 2 s, 4 s, 8 s: five sends in about 15 s, each re-send at most a minute after the last. */
export const defaultSagaResendPolicy: SagaResendPolicy = {
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 60_000,
  maxAttempts: 5,
};

/** The wait before re-send number `attempt + 1`, from a random number in [0, 1). */
export function sagaResendDelayMs(policy: SagaResendPolicy, attempt: number, random: number): number {
  const capped = Math.min(policy.retryMaxDelayMs, policy.retryBaseDelayMs * 2 ** (attempt - 1));
  return Math.round(capped * (0.8 + 0.4 * random));
}
