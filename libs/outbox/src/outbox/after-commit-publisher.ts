import type { Logger } from '@saga/observability';
import type { ConfirmedPublisher, PendingMessage } from './pending-message';

/**
 * How long rows a process just committed stay its own to publish before the relay may take them. The
 * direct publish takes milliseconds; the lease only matters when this process dies between its commit
 * and the broker's confirm, and then the relay publishes the rows once it has passed.
 */
export const outboxLeaseMs = 2_000;

/**
 * How long a confirmed row may wait for the process's next outbox write to mark it sent in passing,
 * before it is marked on its own. Well inside the lease, so the relay never publishes it again.
 */
const markDelayMs = 100;

/**
 * Publishes outbox rows the moment the transaction that wrote them committed, from the process that
 * wrote them, so a message costs no relay transaction and no polling delay. It remembers what the broker
 * confirmed, and the process's next outbox write marks those rows sent in the same statement; rows no
 * write takes within 100 ms are marked on their own. A publish that fails is left to the relay, which
 * takes the row once its lease has passed.
 */
export class AfterCommitPublisher {
  private confirmed: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private markTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly publisher: ConfirmedPublisher,
    private readonly markSent: (messageIds: readonly string[]) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Publishes committed rows in the background. */
  publish(messages: readonly PendingMessage[]): void {
    for (const message of messages) {
      const publishing = this.publisher.publish(message).then(
        () => {
          this.confirmed.push(message.envelope.messageId);
          this.scheduleMark();
        },
        (error: unknown) => {
          this.logger.debug('publish after commit failed; the relay will publish the row', {
            messageId: message.envelope.messageId,
            error: (error as Error)?.message,
          });
        },
      );
      this.inFlight.add(publishing);
      void publishing.finally(() => this.inFlight.delete(publishing));
    }
  }

  /** The confirmed rows not marked yet, now the caller's to mark; give them back if its write fails. */
  takeConfirmed(): string[] {
    const taken = this.confirmed;
    this.confirmed = [];
    return taken;
  }

  /** Returns rows taken with takeConfirmed() whose marking did not commit. */
  giveBack(messageIds: readonly string[]): void {
    if (messageIds.length === 0) return;
    this.confirmed.push(...messageIds);
    this.scheduleMark();
  }

  /** Waits for every publish under way and marks what was confirmed; for a clean stop. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    await this.markNow();
  }

  private scheduleMark(): void {
    this.markTimer ??= setTimeout(() => {
      this.markTimer = undefined;
      void this.markNow();
    }, markDelayMs);
  }

  private async markNow(): Promise<void> {
    const ids = this.takeConfirmed();
    if (ids.length === 0) return;
    try {
      await this.markSent(ids);
    } catch (error) {
      // The database is away: the rows stay leased, and the relay publishes them again once it is back.
      this.logger.warn('could not mark published outbox rows as sent', {
        rows: ids.length,
        error: (error as Error).message,
      });
    }
  }
}
