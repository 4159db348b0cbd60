/** AMQP headers the system sets besides the envelope's own properties. */
export const MessageHeader = {
  /** The saga a message belongs to. */
  SagaId: 'x-saga-id',
  /** The saga step a command belongs to; workers copy it onto their replies, dead letters keep it. */
  SagaStep: 'x-saga-step',
} as const;
export type MessageHeader = (typeof MessageHeader)[keyof typeof MessageHeader];
