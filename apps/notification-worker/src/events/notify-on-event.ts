import type { MessageHandler } from '@saga/messaging';
import type { TransactionalMessaging } from '@saga/outbox';
import type { DataSource } from 'typeorm';
import { plannedFor } from '../domain/notification-kinds';
import { deliverNotifications, recordNotifications, type Recording } from '../domain/notifications';
import type { Mailer } from '../mail/mailer';

/** Name under which the notification worker records the events it processed (its inbox consumer). */
export const consumer = 'notification-worker';

/** What the event handler is built from. */
export interface NotifyDependencies extends Recording {
  readonly messaging: TransactionalMessaging;
  readonly dataSource: DataSource;
  readonly mailer: Mailer;
  /** How many retries the broker gives a message (RETRY_DELAYS_MS): the run after the last is the last try. */
  readonly retries: number;
}

/**
 * Turns an event into e-mail in two steps. First, once per event (the inbox), its notifications are
 * written as rows. Then, on every delivery of it, the rows not yet sent are sent: a copy of the event
 * that comes back (a retry, a redelivery after a crash) finishes what the first did not, and a
 * notification already marked sent is never sent again.
 */
export function notifyOnEvent({
  messaging,
  dataSource,
  mailer,
  retries,
  ...recording
}: NotifyDependencies): MessageHandler {
  return async ({ envelope, attempt }) => {
    const planned = plannedFor(envelope);
    await messaging.processOnce(consumer, envelope, async ({ manager }) => {
      await recordNotifications(manager, envelope, planned, recording);
    });
    await deliverNotifications(envelope.messageId, {
      dataSource,
      mailer,
      templates: recording.templates,
      lastAttempt: attempt > retries,
    });
  };
}
