/** The headers that say how a message failed: its retries, and why and when it was dead-lettered. */
export const FailureHeader = {
  /** Retries so far (absent on the first delivery); set on the copy sent to `<queue>.retry.<n>`. */
  RetryAttempt: 'x-retry-attempt',
  /** The error of the handler run that sent the message to its latest retry, truncated. */
  LastError: 'x-last-error',
  /** Why the message is on the .dlq: a DeathReason. */
  DeathReason: 'x-death-reason',
  /** The error that dead-lettered the message, truncated. */
  ErrorMessage: 'x-error-message',
  /** How many times a handler ran on the message before it was dead-lettered. */
  Attempts: 'x-attempts',
  OriginalQueue: 'x-original-queue',
  /** The routing key the message was first published with; kept through retries and replays. */
  OriginalRoutingKey: 'x-original-routing-key',
  /** ISO time of dead-lettering. */
  FailedAt: 'x-failed-at',
  MessageType: 'x-message-type',
  /** ISO time at which an operator put the dead letter back on its work queue. */
  ReplayedAt: 'x-replayed-at',
} as const;
export type FailureHeader = (typeof FailureHeader)[keyof typeof FailureHeader];

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
    name === 'x-delivery-count' ||
    name === 'x-death' ||
    name.startsWith('x-first-death-') ||
    name.startsWith('x-last-death-')
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
