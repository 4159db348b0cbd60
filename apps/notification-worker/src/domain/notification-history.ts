import type { EntityManager } from 'typeorm';
import { schemaOf } from '@saga/persistence';
import type { NotificationStatus } from './notifications';

/** One notification as the history shows it. */
export interface NotificationRecord {
  readonly id: string;
  readonly seq: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly kind: string;
  readonly template: string;
  readonly userId: string | null;
  readonly orderId: string | null;
  readonly recipient: string | null;
  readonly subject: string;
  readonly messageId: string;
  readonly status: NotificationStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
}

/** Which notifications to list; every field given must hold. */
export interface HistoryFilter {
  readonly userId?: string;
  readonly status?: NotificationStatus;
  readonly kind?: string;
  readonly eventType?: string;
  readonly orderId?: string;
  /** The seq of the last notification of the page before. */
  readonly after?: string;
  readonly limit: number;
}

/** Notifications newest first, a page at a time: `next` continues the list, null at its end. */
export async function notificationHistory(
  manager: EntityManager,
  filter: HistoryFilter,
): Promise<{ notifications: NotificationRecord[]; next: string | null }> {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const where = (column: string, value: unknown, cast = 'text') => {
    values.push(value);
    conditions.push(`${column} ${column === 'seq' ? '<' : '='} $${values.length}::${cast}`);
  };
  if (filter.userId !== undefined) where('user_id', filter.userId);
  if (filter.status !== undefined) where('status', filter.status);
  if (filter.kind !== undefined) where('kind', filter.kind);
  if (filter.eventType !== undefined) where('event_type', filter.eventType);
  if (filter.orderId !== undefined) where('order_id', filter.orderId, 'uuid');
  if (filter.after !== undefined) where('seq', filter.after, 'bigint');
  values.push(filter.limit + 1);
  const rows: NotificationRecord[] = await manager.query(
    `SELECT id, seq::text AS seq, event_id AS "eventId", event_type AS "eventType", kind, kind AS template,
            user_id AS "userId", order_id AS "orderId", recipient, subject, message_id AS "messageId", status,
            attempts, last_error AS "lastError", created_at AS "createdAt", sent_at AS "sentAt"
       FROM "${schemaOf(manager.connection)}".notifications
      ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY seq DESC LIMIT $${values.length}`,
    values,
  );
  const page = rows.slice(0, filter.limit);
  return { notifications: page, next: rows.length > filter.limit ? page[page.length - 1].seq : null };
}
