import { z } from 'zod';
import { Failure } from './failures';

/** Envelope type of every reply a worker sends back to the orchestrator. */
export const sagaReplyType = 'saga.reply';

/** A worker's answer to one command, matched to it by commandId. */
export const SagaReply = z.discriminatedUnion('outcome', [
  z.object({
    commandId: z.uuid(),
    commandType: z.string().min(1),
    outcome: z.literal('success'),
    result: z.unknown(),
  }),
  z.object({
    commandId: z.uuid(),
    commandType: z.string().min(1),
    outcome: z.literal('failure'),
    failure: Failure,
  }),
]);
export type SagaReply = z.infer<typeof SagaReply>;

/** Routing key on the replies exchange for the reply to a command of this type. */
export function replyRoutingKey(commandType: string): string {
  return `reply.${commandType}`;
}
