import type { DataSource, EntityManager } from 'typeorm';
import type { MessageEnvelope } from '@saga/contracts';
import type { Logger } from '@saga/observability';
import { placeholders, preparedQuery, schemaOf, transactionBeginningWith, type Param } from '@saga/persistence';
import { AfterCommitPublisher, outboxLeaseMs } from './outbox/after-commit-publisher';
import {
  forgetInboxRecord,
  inboxInsertSql,
  markSent,
  outboxCtes,
  resendRecorded,
  writeOutbox,
} from './outbox/outbox-writes';
import { withActiveTrace, type ConfirmedPublisher, type PendingMessage } from './outbox/pending-message';

/** A database transaction that may also send messages; they are published only if it commits. */
export interface MessagingTransaction {
  readonly manager: EntityManager;
  send(message: PendingMessage): void;
}

/**
 * How processing a received message ended. `unfinished`: the work committed what it wrote but said the
 * message is not done yet (it waits on a call outside the database), so it is not recorded as processed.
 */
export type ProcessOutcome = 'processed' | 'duplicate' | 'unfinished';

/** What work on a received message may answer: nothing (it is done), or that it is not done yet. */
export type ProcessWork = (tx: MessagingTransaction) => Promise<void | 'unfinished'>;

/** Something to tell when rows were committed to the outbox (the relay). */
export interface OutboxWaker {
  wake(): void;
}

/**
 * The effect of a message as SQL for applyInOneStatement: common table expressions, the first named
 * `effect`, that change the service's state and return a row from `effect` when they did. `fresh` is a
 * condition that holds only while this consumer has not processed the message; the effect must
 * include it in its own WHERE.
 */
export type OneStatementEffect = (statement: {
  readonly schema: string;
  readonly param: Param;
  readonly fresh: string;
}) => string;

/** How committed messages reach the broker besides the relay. */
export interface PublishAfterCommit {
  /** Publishes each committed row at once, from this process; the relay publishes only what this missed. */
  readonly publisher: ConfirmedPublisher;
  readonly logger: Logger;
}

/**
 * The only way a service changes state and sends messages: both in one transaction (the outbox),
 * and, for received messages, recorded once per consumer (the inbox) so a redelivery changes nothing.
 * With `publishAfterCommit`, the rows a transaction wrote are published the moment it committed and
 * marked sent by the next one; without it, the relay publishes every row.
 */
export class TransactionalMessaging {
  private readonly schema: string;
  private readonly direct: AfterCommitPublisher | undefined;
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxWaker,
    publishAfterCommit?: PublishAfterCommit,
  ) {
    this.schema = schemaOf(dataSource);
    this.direct =
      publishAfterCommit &&
      new AfterCommitPublisher(
        publishAfterCommit.publisher,
        (ids) => markSent(dataSource.manager, this.schema, ids),
        publishAfterCommit.logger,
      );
    this.leaseMs = this.direct ? outboxLeaseMs : 0;
  }

  /** Runs work in a transaction; the messages it sends are written to the outbox in the same one. */
  async transaction<T>(work: (tx: MessagingTransaction) => Promise<T>): Promise<T> {
    return this.committing(async (marks) => {
      const pending: PendingMessage[] = [];
      const result = await this.dataSource.transaction(async (manager) => {
        const value = await work({ manager, send: (message) => pending.push(withActiveTrace(message)) });
        if (pending.length > 0) {
          await writeOutbox(manager, this.schema, { messages: pending, leaseMs: this.leaseMs, markSent: marks });
        }
        return value;
      });
      return { result, sent: pending, marked: pending.length > 0 };
    });
  }

  /**
   * Applies a received message at most once for this consumer. The first delivery runs work and
   * records the message with the ids of what it sent; a later delivery of the same message id
   * re-sends exactly those messages (same ids, so their receivers de-duplicate too) and runs nothing.
   * Work that answers 'unfinished' commits its writes (say, the intent of a call) and sends nothing;
   * the message stays unprocessed, so the next processOnce of it runs work again.
   */
  async processOnce(consumer: string, envelope: MessageEnvelope, work: ProcessWork): Promise<ProcessOutcome> {
    const inbox = { messageId: envelope.messageId, consumer, messageType: envelope.type };
    return this.committing(async (marks) => {
      const pending: PendingMessage[] = [];
      // The inbox record goes with BEGIN: a concurrent delivery of the same id blocks on it until the
      // first one's transaction ends, then finds it.
      const result = await transactionBeginningWith(
        this.dataSource,
        inboxInsertSql(this.schema, inbox),
        async (manager, recorded): Promise<ProcessOutcome> => {
          if (recorded.length === 0) {
            pending.push(...(await resendRecorded(manager, this.schema, inbox, this.leaseMs)));
            return 'duplicate';
          }
          const done = await work({ manager, send: (message) => pending.push(withActiveTrace(message)) });
          if (done === 'unfinished') {
            // Sent messages would go out for a message that is then handled again: a bug in the work.
            if (pending.length > 0) throw new Error(`unfinished work on ${envelope.type} must send nothing`);
            await forgetInboxRecord(manager, this.schema, inbox);
            return 'unfinished';
          }
          if (pending.length > 0) {
            await writeOutbox(manager, this.schema, {
              messages: pending,
              leaseMs: this.leaseMs,
              markSent: marks,
              inbox,
            });
          }
          return 'processed';
        },
      );
      return { result, sent: pending, marked: result === 'processed' && pending.length > 0 };
    });
  }

  /**
   * Applies a received message in a single statement, which is its whole transaction: the effect, the
   * inbox record, the outbox rows and the marks commit together or not at all, in one round trip.
   * For a caller that knows the effect without reading first (say, from a version it has cached).
   * Resolves false, having changed nothing but marks, when the effect found nothing to change or the
   * message was processed already: the caller then takes processOnce, which sorts out which it was.
   */
  async applyInOneStatement(
    consumer: string,
    envelope: MessageEnvelope,
    outgoing: readonly PendingMessage[],
    effect: OneStatementEffect,
  ): Promise<boolean> {
    const s = this.schema;
    const messages = outgoing.map(withActiveTrace);
    return this.committing(async (marks) => {
      const values: unknown[] = [];
      const param = placeholders(values);
      const messageId = param(envelope.messageId);
      const name = param(consumer);
      const fresh = `NOT EXISTS (SELECT 1 FROM "${s}".inbox WHERE message_id = ${messageId}::uuid AND consumer = ${name}::text)`;
      const applied = 'EXISTS (SELECT 1 FROM effect)';
      // No ON CONFLICT on the inbox: a concurrent first delivery that committed in between makes the
      // whole statement fail on the key, rather than apply the effect a second time.
      const text = `WITH ${effect({ schema: s, param, fresh })},
        inbox AS (
          INSERT INTO "${s}".inbox (message_id, consumer, message_type, outbox_message_ids)
          SELECT ${messageId}::uuid, ${name}::text, ${param(envelope.type)}::text,
                 ${param(messages.map((m) => m.envelope.messageId))}::uuid[]
           WHERE ${applied}
        ),
        ${outboxCtes(s, param, { messages, leaseMs: this.leaseMs, markSent: marks }, applied)}
        SELECT count(*)::int AS applied FROM effect`;
      try {
        // Outside a transaction, so without BEGIN and COMMIT: the one statement is the transaction.
        const { rows } = await preparedQuery<{ applied: number }>(this.dataSource.manager, text, values);
        const done = rows[0]?.applied === 1;
        return { result: done, sent: done ? messages : [], marked: true };
      } catch (error) {
        if (isUniqueViolation(error)) return { result: false, sent: [], marked: false };
        throw error;
      }
    });
  }

  /** Waits for the publishes under way and marks what the broker confirmed; before the relay's last flush. */
  async stop(): Promise<void> {
    await this.direct?.stop();
  }

  // Messages due now go out from here; those that wait out a backoff are the relay's when they are due.
  private dispatch(committed: readonly PendingMessage[]): void {
    if (committed.length === 0) return;
    const due = committed.filter((m) => !m.notBefore);
    if (this.direct) this.direct.publish(due);
    else this.relay.wake();
  }

  /**
   * Runs one write with the rows confirmed since the last one to mark along; gives them back unless it
   * committed their marks, then publishes what it committed.
   */
  private async committing<T>(
    write: (marks: readonly string[]) => Promise<{ result: T; sent: readonly PendingMessage[]; marked: boolean }>,
  ): Promise<T> {
    const marks = this.direct?.takeConfirmed() ?? [];
    let committed: { result: T; sent: readonly PendingMessage[]; marked: boolean };
    try {
      committed = await write(marks);
    } catch (error) {
      this.direct?.giveBack(marks);
      throw error;
    }
    if (!committed.marked) this.direct?.giveBack(marks);
    this.dispatch(committed.sent);
    return committed.result;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === '23505';
}
