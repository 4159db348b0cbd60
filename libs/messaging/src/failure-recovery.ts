import { InvalidMessageError } from '@saga/contracts';
import { brokerRetryDelayMs, type BrokerRetryPolicy } from '@saga/retry';
import { UnauthorizedSenderError } from './errors';

/** Why a message is on a .dlq; the value of its x-death-reason header. */
export const DeathReason = {
  /** Not a message this system can process (not JSON, bad envelope or payload, refused by its handler). */
  InvalidMessage: 'invalid_message',
  /** Its handler kept failing through every retry of the policy. */
  RetriesExhausted: 'retries_exhausted',
  /** Published by a broker user the queue takes nothing from (a forgery, or a service on the wrong queue). */
  UnauthorizedSender: 'unauthorized_sender',
} as const;
export type DeathReason = (typeof DeathReason)[keyof typeof DeathReason];

/**
 * What a failure says about the message: that it can never be processed, that its sender may not send
 * it, or that it may succeed later.
 */
export type FailureKind = 'invalid' | 'unauthorized' | 'transient';

/** What becomes of a message whose processing failed. */
export type Recovery =
  | { readonly action: 'retry'; readonly attempt: number; readonly delayMs: number }
  | { readonly action: 'dead_letter'; readonly reason: DeathReason };

/**
 * The one table of failures: an InvalidMessageError can never succeed, nor can a message from a sender
 * the queue does not take; anything else may, later.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof InvalidMessageError) return 'invalid';
  if (error instanceof UnauthorizedSenderError) return 'unauthorized';
  return 'transient';
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
    case 'unauthorized':
      return { action: 'dead_letter', reason: DeathReason.UnauthorizedSender };
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
