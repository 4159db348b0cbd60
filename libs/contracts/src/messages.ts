import { z } from 'zod';
import { commandContracts, isCommandType } from './commands';
import { MessageEnvelope } from './envelope';
import { eventContracts } from './events';
import { SagaReply, sagaReplyType } from './replies';

/** Why a message cannot be processed at all: it is dead-lettered with this reason, never retried. */
export class InvalidMessageError extends Error {
  constructor(
    message: string,
    readonly messageType: string | undefined,
  ) {
    super(message);
    this.name = 'InvalidMessageError';
  }
}

/** The schema of a message type's payload, or undefined for a type nobody defined. */
export function payloadSchemaOf(type: string): z.ZodType | undefined {
  if (isCommandType(type)) return commandContracts[type].payload;
  if (type === sagaReplyType) return SagaReply;
  if (Object.hasOwn(eventContracts, type)) return eventContracts[type as keyof typeof eventContracts].payload;
  return undefined;
}

/** Parses raw bytes into an envelope whose payload matches its type; throws InvalidMessageError. */
export function parseMessage(content: Buffer | string): MessageEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(typeof content === 'string' ? content : content.toString('utf8'));
  } catch (error) {
    throw new InvalidMessageError(`body is not JSON: ${(error as Error).message}`, undefined);
  }
  const envelope = MessageEnvelope.safeParse(json);
  if (!envelope.success) {
    throw new InvalidMessageError(`envelope is invalid: ${z.prettifyError(envelope.error)}`, undefined);
  }
  const schema = payloadSchemaOf(envelope.data.type);
  if (!schema) throw new InvalidMessageError(`unknown message type ${envelope.data.type}`, envelope.data.type);
  const payload = schema.safeParse(envelope.data.payload);
  if (!payload.success) {
    throw new InvalidMessageError(
      `payload of ${envelope.data.type} is invalid: ${z.prettifyError(payload.error)}`,
      envelope.data.type,
    );
  }
  return { ...envelope.data, payload: payload.data };
}
