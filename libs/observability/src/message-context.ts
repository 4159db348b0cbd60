/** The envelope fields a log line about a message carries. */
export interface MessageIdentity {
  messageId: string;
  type: string;
  sagaId: string | null;
  correlationId: string;
}

/** The fields for `logger.child(messageContext(envelope))`, so every line about a message names its saga. */
export function messageContext(envelope: MessageIdentity): Record<string, string | null> {
  return {
    messageId: envelope.messageId,
    messageType: envelope.type,
    sagaId: envelope.sagaId,
    correlationId: envelope.correlationId,
  };
}
