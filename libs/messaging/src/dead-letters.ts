import type { MessageProperties } from 'amqplib';
import { BrokerHeader, FailureHeader, MessageHeader } from '@saga/contracts';

/** A message on a `.dlq`, as an operator needs to see it. */
export interface DeadLetter {
  readonly messageId: string | null;
  readonly type: string | null;
  readonly sagaId: string | null;
  readonly step: string | null;
  /** A DeathReason, or RabbitMQ's own (`delivery_limit` for a process that crashed on it every time). */
  readonly reason: string;
  readonly error: string | null;
  /** How many times a handler ran on it, when known. */
  readonly attempts: number | null;
  /** ISO time of dead-lettering, when known. */
  readonly failedAt: string | null;
  readonly originalRoutingKey: string | null;
  /** The broker user that published the message, when it had one (x-original-user-id). */
  readonly sender: string | null;
}

/** A dead letter with what it carries: its headers and its body (parsed JSON, or the text). */
export interface DeadLetterMessage extends DeadLetter {
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: unknown;
}

/** Which dead letters to act on; every field given must match, and an empty filter matches all. */
export interface DeadLetterFilter {
  readonly sagaId?: string;
  readonly step?: string;
  readonly messageType?: string;
  readonly messageId?: string;
}

interface XDeath {
  reason?: unknown;
  time?: unknown;
}

/** Reads what an operator needs from a dead letter's properties and headers (and body, for its saga id). */
export function describeDeadLetter(content: Buffer, properties: MessageProperties): DeadLetter {
  const headers: Record<string, unknown> = properties.headers ?? {};
  // RabbitMQ dead-letters by itself only at the delivery limit; its x-death says when and why.
  const deaths = headers[BrokerHeader.Death];
  const death = Array.isArray(deaths) ? (deaths[0] as XDeath | undefined) : undefined;
  const attempts = Number(headers[FailureHeader.Attempts]);
  return {
    messageId: text(properties.messageId),
    type: text(properties.type) ?? text(headers[FailureHeader.MessageType]),
    sagaId: text(headers[MessageHeader.SagaId]) ?? sagaIdInBody(content),
    step: text(headers[MessageHeader.SagaStep]),
    reason:
      text(headers[FailureHeader.DeathReason]) ??
      text(headers[BrokerHeader.FirstDeathReason]) ??
      text(death?.reason) ??
      'unknown',
    error: text(headers[FailureHeader.ErrorMessage]),
    attempts: Number.isSafeInteger(attempts) ? attempts : null,
    failedAt: text(headers[FailureHeader.FailedAt]) ?? secondsToIso(death?.time),
    originalRoutingKey: text(headers[FailureHeader.OriginalRoutingKey]),
    sender: text(headers[FailureHeader.OriginalSender]),
  };
}

/** A dead letter with its headers and body, for an operator who looks at one. */
export function readDeadLetter(content: Buffer, properties: MessageProperties): DeadLetterMessage {
  const headers = Object.fromEntries(
    Object.entries(properties.headers ?? {}).map(([name, value]) => [
      name,
      Buffer.isBuffer(value) ? text(value) : value,
    ]),
  );
  return { ...describeDeadLetter(content, properties), headers, body: bodyOf(content) };
}

/** Whether a dead letter is one the filter selects. */
export function matchesFilter(deadLetter: DeadLetter, filter: DeadLetterFilter): boolean {
  return (
    (filter.sagaId === undefined || deadLetter.sagaId === filter.sagaId) &&
    (filter.step === undefined || deadLetter.step === filter.step) &&
    (filter.messageType === undefined || deadLetter.type === filter.messageType) &&
    (filter.messageId === undefined || deadLetter.messageId === filter.messageId)
  );
}

function text(value: unknown): string | null {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' && value !== '' ? value : null;
}

function bodyOf(content: Buffer): unknown {
  const raw = content.toString('utf8');
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function sagaIdInBody(content: Buffer): string | null {
  try {
    return text((JSON.parse(content.toString('utf8')) as { sagaId?: unknown } | null)?.sagaId);
  } catch {
    return null;
  }
}

// amqplib reads an AMQP timestamp (seconds) as { '!': 'timestamp', value }.
function secondsToIso(value: unknown): string | null {
  const seconds = typeof value === 'object' && value !== null ? (value as { value?: unknown }).value : value;
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : null;
}
