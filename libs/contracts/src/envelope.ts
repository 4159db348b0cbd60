import { z } from 'zod';

/** The envelope every message on the broker travels in; payload is validated per type. */
export const MessageEnvelope = z.object({
  messageId: z.uuid(),
  type: z.string().min(1),
  schemaVersion: z.int().positive(),
  sagaId: z.uuid().nullable(),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).nullable(),
  occurredAt: z.iso.datetime({ offset: true }),
  payload: z.unknown(),
});
export type MessageEnvelope = z.infer<typeof MessageEnvelope>;
