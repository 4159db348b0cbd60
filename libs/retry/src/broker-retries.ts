/**
 * How the broker retries a message whose handler threw: one delay per retry (retry n waits in the queue
 * `<queue>.retry.<n>`), each stretched by a random jitter, then the dead-letter queue.
 */
export interface BrokerRetryPolicy {
  /** The delay before each retry in milliseconds. */
  readonly delaysMs: readonly number[];
  /** The largest fraction a delay is stretched by at random (0.2: up to 20% longer), so retries spread out. */
  readonly jitter: number;
}

/** Four retries after about 0.5 s, 2 s, 8 s and 30 s, then the dead-letter queue. */
export const defaultBrokerRetryPolicy: BrokerRetryPolicy = { delaysMs: [500, 2000, 8000, 30000], jitter: 0.2 };

/** Throws a RangeError unless every delay is a positive integer and the jitter a number from 0. */
export function assertBrokerRetryPolicy(policy: BrokerRetryPolicy): void {
  const bad = policy.delaysMs.find((delay) => !Number.isSafeInteger(delay) || delay < 1);
  if (bad !== undefined) throw new RangeError(`retry delays must be positive integers of milliseconds, got ${bad}`);
  if (!Number.isFinite(policy.jitter) || policy.jitter < 0) {
    throw new RangeError(`retry jitter must be a number >= 0, got ${policy.jitter}`);
  }
}

/**
 * The delay before broker retry n (from 1): its configured delay times a factor in [1, 1 + jitter].
 * Never shorter than configured, and every message in one retry queue expires within the jitter band
 * of its delay, so a per-message expiration can hold a message up behind another by at most the jitter.
 */
export function brokerRetryDelayMs(
  policy: BrokerRetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const delay = policy.delaysMs[attempt - 1];
  if (delay === undefined) throw new RangeError(`the retry policy has no retry ${attempt}`);
  return Math.round(delay * (1 + policy.jitter * random()));
}
