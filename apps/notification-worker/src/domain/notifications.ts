import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { MessageEnvelope } from '@saga/contracts';
import { schemaOf } from '@saga/persistence';
import type { Mailer } from '../mail/mailer';
import type { MailTemplates } from '../mail/templates';
import { NotificationKind, type Audience, type PlannedNotification } from './notification-kinds';

/** Where a notification is: waiting to be sent (or retried), sent, or failed for good. */
export const NotificationStatus = { Queued: 'queued', Sent: 'sent', Failed: 'failed' } as const;
export type NotificationStatus = (typeof NotificationStatus)[keyof typeof NotificationStatus];

/** The addresses of the roles, and the domain of the Message-IDs. */
export interface Recipients {
  readonly shop: string;
  readonly operators: string;
  /** The right-hand side of every Message-ID (the From's domain). */
  readonly messageIdDomain: string;
}

/** What recording an event's notifications needs: the templates (for the subject) and the roles' addresses. */
export interface Recording {
  readonly templates: MailTemplates;
  readonly recipients: Recipients;
}

/**
 * The Message-ID of an event's notification of a kind: derived from the event's id, so every attempt
 * at it, whichever process makes it, sends the same one, and a receiver that saw it drops a repeat.
 */
export function messageIdOf(eventId: string, kind: NotificationKind, domain: string): string {
  return `<${eventId}.${kind}@${domain}>`;
}

/**
 * Writes one row per notification the event calls for (queued, or failed at once when the shopper has
 * no address on file), in the transaction that records the event in the inbox: a redelivered event
 * writes nothing twice. A completed order's lines are kept for its refunds' e-mails.
 */
export async function recordNotifications(
  manager: EntityManager,
  event: MessageEnvelope,
  planned: readonly PlannedNotification[],
  { templates, recipients }: Recording,
): Promise<void> {
  const s = schemaOf(manager.connection);
  for (const notification of planned) {
    const data = await withLines(manager, s, event, notification.data);
    const { address, greeting, missing } = await recipientOf(manager, s, notification.audience, recipients);
    const subject = templates.render(notification.kind, { ...data, greeting }).subject;
    await manager.query(
      `INSERT INTO "${s}".notifications
         (id, event_id, event_type, kind, user_id, order_id, recipient, subject, message_id, data, status, last_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (event_id, kind) DO NOTHING`,
      [
        randomUUID(),
        event.messageId,
        event.type,
        notification.kind,
        notification.audience.role === 'shopper' ? notification.audience.userId : null,
        notification.orderId,
        address,
        subject,
        messageIdOf(event.messageId, notification.kind, recipients.messageIdDomain),
        JSON.stringify({ ...data, greeting }),
        missing ? NotificationStatus.Failed : NotificationStatus.Queued,
        missing ?? null,
      ],
    );
  }
}

/** What sending an event's notifications needs, and whether this is the event's last try before the .dlq. */
export interface Delivery {
  readonly dataSource: DataSource;
  readonly mailer: Mailer;
  readonly templates: MailTemplates;
  readonly lastAttempt: boolean;
}

/**
 * Sends the event's notifications that are not sent yet, each under its row lock (a concurrent copy of
 * the event skips it), and marks each sent once the SMTP server accepted it. A refusal or an
 * unreachable server is recorded on the row (queued again, or failed on the last attempt) and thrown,
 * so the event is retried through the retry queues and, in the end, dead-lettered with the reason.
 */
export async function deliverNotifications(
  eventId: string,
  { dataSource, mailer, templates, lastAttempt }: Delivery,
): Promise<void> {
  const s = schemaOf(dataSource);
  // The failure is recorded in the transaction, which commits; only then is it thrown.
  const failure = await dataSource.transaction(async (manager): Promise<NotificationNotSentError | undefined> => {
    const rows: {
      id: string;
      kind: NotificationKind;
      recipient: string;
      message_id: string;
      data: Record<string, unknown>;
    }[] = await manager.query(
      `SELECT id, kind, recipient, message_id, data FROM "${s}".notifications
        WHERE event_id = $1 AND status <> 'sent' AND recipient IS NOT NULL
        ORDER BY seq FOR UPDATE SKIP LOCKED`,
      [eventId],
    );
    for (const row of rows) {
      const mail = templates.render(row.kind, row.data);
      try {
        await mailer.send({ ...mail, to: row.recipient, messageId: row.message_id });
      } catch (error) {
        const reason = `SMTP: ${(error as Error).message}`.slice(0, 1000);
        await manager.query(
          `UPDATE "${s}".notifications SET attempts = attempts + 1, last_error = $2, status = $3, updated_at = now()
            WHERE id = $1`,
          [row.id, reason, lastAttempt ? NotificationStatus.Failed : NotificationStatus.Queued],
        );
        return new NotificationNotSentError(reason, { cause: error });
      }
      await manager.query(
        `UPDATE "${s}".notifications SET attempts = attempts + 1, last_error = NULL, status = 'sent',
                sent_at = now(), updated_at = now()
          WHERE id = $1`,
        [row.id],
      );
    }
    return undefined;
  });
  if (failure) throw failure;
}

/** An e-mail the SMTP server did not take (down, refusing, timing out): the event is retried later. */
export class NotificationNotSentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotificationNotSentError';
  }
}

async function recipientOf(
  manager: EntityManager,
  schema: string,
  audience: Audience,
  recipients: Recipients,
): Promise<{ address: string | null; greeting: string; missing?: string }> {
  if (audience.role !== 'shopper') return { address: recipients[audience.role], greeting: audience.role };
  const [profile]: { email: string; name: string | null }[] = await manager.query(
    `SELECT email, name FROM "${schema}".profiles WHERE user_id = $1`,
    [audience.userId],
  );
  if (!profile) {
    return { address: null, greeting: audience.userId, missing: `no e-mail address on file for ${audience.userId}` };
  }
  return { address: profile.email, greeting: profile.name ?? audience.userId };
}

// An order's lines are known from its order.completed; a refund's e-mail names them from there.
async function withLines(
  manager: EntityManager,
  schema: string,
  event: MessageEnvelope,
  data: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const items = data.items as { productId: string; quantity: number; name?: string; unitPrice?: number }[] | undefined;
  if (event.type === 'order.completed' && items) {
    for (const item of items) {
      await manager.query(
        `INSERT INTO "${schema}".order_lines (order_id, product_id, name, unit_price, quantity)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [data.orderId, item.productId, item.name, item.unitPrice, item.quantity],
      );
    }
    return data;
  }
  if (event.type !== 'order.refunded' || !items) return data;
  const lines: { product_id: string; name: string }[] = await manager.query(
    `SELECT product_id, name FROM "${schema}".order_lines WHERE order_id = $1`,
    [data.orderId],
  );
  const names = new Map(lines.map((line) => [line.product_id, line.name]));
  return {
    ...data,
    items: items.map((item) => ({ ...item, name: names.get(item.productId) ?? `product ${item.productId}` })),
  };
}
