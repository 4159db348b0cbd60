import { InvalidMessageError, SagaReply, sagaReplyType } from '@saga/contracts';
import type { MessageHandler } from '@saga/messaging';
import type { SagaRouter } from '../saga/saga-router';

/** Feeds every worker reply to the saga it belongs to, through the orchestrator of its saga. */
export function advanceOnReply(sagas: Pick<SagaRouter, 'forCommand'>): MessageHandler {
  return async ({ envelope }) => {
    if (envelope.type !== sagaReplyType) {
      throw new InvalidMessageError(`the reply queue takes ${sagaReplyType}, not ${envelope.type}`, envelope.type);
    }
    const { commandType } = SagaReply.parse(envelope.payload);
    const orchestrator = sagas.forCommand(commandType);
    if (!orchestrator) {
      throw new InvalidMessageError(`no saga sends ${commandType}: a reply to it has no saga`, envelope.type);
    }
    await orchestrator.handleReply(envelope);
  };
}
