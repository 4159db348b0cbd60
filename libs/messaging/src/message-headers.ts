import { BrokerHeader, FailureHeader } from '@saga/contracts';
const maxErrorHeaderLength = 1000;

/** An error's message cut to a size that fits a header. */
export function errorHeader(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.slice(0, maxErrorHeaderLength);
}

/** The number of retries a delivered message has had, from its x-retry-attempt header. */
export function retriesSoFar(headers: Record<string, unknown>): number {
  const value = Number(headers[FailureHeader.RetryAttempt] ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

// RabbitMQ writes these on delivery and on dead-lettering. A copy we publish must not carry them: a
// stale x-delivery-count would miscount, and x-death would grow with every hop.
function isBrokerHeader(name: string): boolean {
  return (
    name === BrokerHeader.DeliveryCount ||
    name === BrokerHeader.Death ||
    name.startsWith(BrokerHeader.FirstDeathPrefix) ||
    name.startsWith(BrokerHeader.LastDeathPrefix)
  );
}

const deadLetterHeaders: ReadonlySet<string> = new Set([
  FailureHeader.RetryAttempt,
  FailureHeader.LastError,
  FailureHeader.DeathReason,
  FailureHeader.ErrorMessage,
  FailureHeader.Attempts,
  FailureHeader.OriginalQueue,
  FailureHeader.FailedAt,
  FailureHeader.MessageType,
]);

/** A delivered message's headers without those the broker maintains. */
export function withoutBrokerHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !isBrokerHeader(name)));
}

/**
 * A dead letter's headers as its first delivery had them (no retry count, no death; the original routing
 * key kept), plus x-replayed-at.
 */
export function replayHeaders(headers: Record<string, unknown>, replayedAt: Date): Record<string, unknown> {
  return {
    ...Object.fromEntries(
      Object.entries(headers).filter(([name]) => !isBrokerHeader(name) && !deadLetterHeaders.has(name)),
    ),
    [FailureHeader.ReplayedAt]: replayedAt.toISOString(),
  };
}
