import { InvalidMessageError, sagaReplyType } from '@saga/contracts';
import type { MessageHandler } from '@saga/messaging';
import type { SagaOrchestrator } from '@saga/saga';

/** Feeds every worker reply to the saga it belongs to. */
export function advanceOnReply(orchestrator: Pick<SagaOrchestrator<unknown>, 'handleReply'>): MessageHandler {
  return async ({ envelope }) => {
    if (envelope.type !== sagaReplyType) {
      throw new InvalidMessageError(`the reply queue takes ${sagaReplyType}, not ${envelope.type}`, envelope.type);
    }
    await orchestrator.handleReply(envelope);
  };
}
