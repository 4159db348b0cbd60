/**
 * Longest wait of the outbox relay before it publishes again a row whose publish failed: short enough
 * that messages flow again within seconds of the broker coming back, long enough not to hammer it.
 */
export const defaultRelayMaxBackoffMs = 5_000;

/** The relay's wait after a row's `failures`-th failed publish: 100 ms doubling per failure, capped. */
export function relayBackoffMs(failures: number, maxBackoffMs: number = defaultRelayMaxBackoffMs): number {
  return Math.min(maxBackoffMs, 100 * 2 ** Math.min(Math.max(failures - 1, 0), 16));
}
