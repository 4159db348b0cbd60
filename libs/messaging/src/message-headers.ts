import { BrokerHeader, FailureHeader } from '@saga/contracts';
import type { ConsumeMessage, MessageProperties, Options } from 'amqplib';
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
  FailureHeader.OriginalSender,
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

// A copy we publish keeps the original's properties, except userId (checked against our login), an
// expiration (which would let it vanish) and the delivery mode (always persistent).
export function republishedProperties(properties: MessageProperties): Options.Publish {
  const {
    headers: _headers,
    userId: _userId,
    expiration: _expiration,
    deliveryMode: _deliveryMode,
    ...rest
  } = properties;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return { ...defined, persistent: true, mandatory: true };
}

/** A retry or a replay reaches the queue by its name; the key it was first published with rides in a header. */
export function originalRoutingKey(message: ConsumeMessage): string {
  const header = message.properties.headers?.[FailureHeader.OriginalRoutingKey];
  return typeof header === 'string' && header !== '' ? header : message.fields.routingKey;
}
