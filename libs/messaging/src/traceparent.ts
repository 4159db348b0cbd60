import { createHash } from 'node:crypto';

function hexDigest(value: string, length: number): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/** A W3C traceparent whose trace id derives from the correlation id, so one order's messages share a trace. */
export function traceparentFor(correlationId: string, messageId: string): string {
  return `00-${hexDigest(correlationId, 32)}-${hexDigest(messageId, 16)}-01`;
}
