import { InvalidMessageError } from '@saga/contracts';
import { brokerRetryDelayMs, type BrokerRetryPolicy } from '@saga/retry';

/** Why a message is on a .dlq; the value of its x-death-reason header. */
export const DeathReason = {
  /** Not a message this system can process (not JSON, bad envelope or payload, refused by its handler). */
  InvalidMessage: 'invalid_message',
  /** Its handler kept failing through every retry of the policy. */
  RetriesExhausted: 'retries_exhausted',
} as const;
export type DeathReason = (typeof DeathReason)[keyof typeof DeathReason];

/** What a failure says about the message: that it can never be processed, or that it may succeed later. */
export type FailureKind = 'invalid' | 'transient';

/** What becomes of a message whose processing failed. */
export type Recovery =
  | { readonly action: 'retry'; readonly attempt: number; readonly delayMs: number }
  | { readonly action: 'dead_letter'; readonly reason: DeathReason };

/** The one table of failures: an InvalidMessageError can never succeed; anything else may, later. */
export function classifyFailure(error: unknown): FailureKind {
  return error instanceof InvalidMessageError ? 'invalid' : 'transient';
}

/**
 * The recovery chain of a failed message: `<queue>.retry.1`, ..., `<queue>.retry.<n>` (one per delay of
 * the policy), then the `.dlq`; an invalid message goes to the `.dlq` at once. handlerRuns counts the
 * failed run too, so it is also the number of the retry to do next.
 */
export function recoveryFor(
  error: unknown,
  handlerRuns: number,
  policy: BrokerRetryPolicy,
  random: () => number = Math.random,
): Recovery {
  const kind = classifyFailure(error);
  switch (kind) {
    case 'invalid':
      return { action: 'dead_letter', reason: DeathReason.InvalidMessage };
    case 'transient':
      if (handlerRuns >= 1 && handlerRuns <= policy.delaysMs.length) {
        return { action: 'retry', attempt: handlerRuns, delayMs: brokerRetryDelayMs(policy, handlerRuns, random) };
      }
      return { action: 'dead_letter', reason: DeathReason.RetriesExhausted };
    default: {
      const unclassified: never = kind;
      throw new Error(`unclassified failure kind ${String(unclassified)}`);
    }
  }
}
