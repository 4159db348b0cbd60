import { randomUUID } from 'node:crypto';
import type { MessageEnvelope } from './envelope';

/** What a message is about; the id, time and schema version are filled in by newEnvelope. */
export interface EnvelopeInput {
  readonly type: string;
  readonly payload: unknown;
  readonly sagaId: string | null;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly messageId?: string;
  readonly schemaVersion?: number;
}

/** Builds a complete envelope, with a fresh message id unless one is given. */
export function newEnvelope(input: EnvelopeInput, now: Date = new Date()): MessageEnvelope {
  return {
    messageId: input.messageId ?? randomUUID(),
    type: input.type,
    schemaVersion: input.schemaVersion ?? 1,
    sagaId: input.sagaId,
    correlationId: input.correlationId,
    causationId: input.causationId,
    occurredAt: now.toISOString(),
    payload: input.payload,
  };
}
