import type { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { MessageEnvelope } from '@saga/contracts';
import { InboxMessage } from './inbox/inbox-message.entity';
import { OutboxMessage } from './outbox/outbox-message.entity';
import type { PendingMessage } from './outbox/pending-message';

/** A database transaction that may also send messages; they are published only if it commits. */
export interface MessagingTransaction {
  readonly manager: EntityManager;
  send(message: PendingMessage): void;
}

/** How processing a received message ended. */
export type ProcessOutcome = 'processed' | 'duplicate';

/** Something to tell when rows were committed to the outbox (the relay). */
export interface OutboxWaker {
  wake(): void;
}

/**
 * The only way a service changes state and sends messages: both in one transaction (the outbox),
 * and, for received messages, recorded once per consumer (the inbox) so a redelivery changes nothing.
 */
export class TransactionalMessaging {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxWaker,
  ) {}

  /** Runs work in a transaction; the messages it sends are written to the outbox in the same one. */
  async transaction<T>(work: (tx: MessagingTransaction) => Promise<T>): Promise<T> {
    const { result, sent } = await this.dataSource.transaction(async (manager) => {
      const pending: PendingMessage[] = [];
      const value = await work({ manager, send: (message) => pending.push(message) });
      await writeOutbox(manager, pending);
      return { result: value, sent: pending.length };
    });
    if (sent > 0) this.relay.wake();
    return result;
  }

  /**
   * Applies a received message at most once for this consumer. The first delivery runs work and
   * records the message with the ids of what it sent; a later delivery of the same message id
   * re-sends exactly those messages (same ids, so their receivers de-duplicate too) and runs nothing.
   */
  async processOnce(
    consumer: string,
    envelope: MessageEnvelope,
    work: (tx: MessagingTransaction) => Promise<void>,
  ): Promise<ProcessOutcome> {
    const outcome = await this.dataSource.transaction(async (manager): Promise<ProcessOutcome> => {
      const inbox = manager.getRepository(InboxMessage);
      // A concurrent delivery of the same id blocks here until the first commits, then sees the row.
      const inserted = await inbox
        .createQueryBuilder()
        .insert()
        .values({ messageId: envelope.messageId, consumer, messageType: envelope.type })
        .orIgnore()
        .returning(['messageId'])
        .execute();
      if (inserted.raw.length === 0) {
        const seen = await inbox.findOneByOrFail({ messageId: envelope.messageId, consumer });
        if (seen.outboxMessageIds.length > 0) {
          await manager
            .createQueryBuilder()
            .update(OutboxMessage)
            .set({ publishedAt: null, availableAt: () => 'now()' })
            .where('message_id = ANY(:ids)', { ids: seen.outboxMessageIds })
            .execute();
        }
        return 'duplicate';
      }
      const pending: PendingMessage[] = [];
      await work({ manager, send: (message) => pending.push(message) });
      await writeOutbox(manager, pending);
      if (pending.length > 0) {
        await inbox.update(
          { messageId: envelope.messageId, consumer },
          { outboxMessageIds: pending.map((m) => m.envelope.messageId) },
        );
      }
      return 'processed';
    });
    this.relay.wake();
    return outcome;
  }
}

async function writeOutbox(manager: EntityManager, messages: readonly PendingMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map((m) => ({
    messageId: m.envelope.messageId,
    exchange: m.exchange,
    routingKey: m.routingKey,
    envelope: m.envelope,
    headers: m.headers ?? {},
    ...(m.notBefore ? { availableAt: m.notBefore } : {}),
  }));
  // TypeORM's deep-partial insert type cannot express a jsonb column holding `unknown`.
  await manager.getRepository(OutboxMessage).insert(rows as QueryDeepPartialEntity<OutboxMessage>[]);
}
