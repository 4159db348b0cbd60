import { Queues } from '@saga/contracts';
import { observeGauge } from '@saga/observability';
import { schemaOf } from '@saga/persistence';
import type { ServiceDefinition } from '@saga/runtime';
import { notifyOnEvent } from './events/notify-on-event';
import { registerNotificationRoutes } from './http/notification-routes';
import { smtpMailer } from './mail/mailer';
import { MailTemplates } from './mail/templates';
import { notificationMigrations } from './migrations';
import type { NotificationWorkerConfig } from './notification-worker-config';

/** The notification worker's database: its schema and migrations (for the seed and the tests too). */
export const notificationDatabase = {
  name: 'notification-worker',
  schema: 'notification',
  entities: [],
  migrations: notificationMigrations,
} as const satisfies Omit<ServiceDefinition, 'wire'>;

/** The settings of NotificationWorkerConfig that shape the worker (the rest is any service's). */
export type NotificationSettings = Pick<
  NotificationWorkerConfig,
  | 'SMTP_URL'
  | 'SMTP_TIMEOUT_MS'
  | 'MAIL_FROM'
  | 'SHOP_EMAIL'
  | 'OPERATORS_EMAIL'
  | 'SHOP_URL'
  | 'INVENTORY_URL'
  | 'RETRY_DELAYS_MS'
>;

/**
 * The notification worker: owns the notification schema, turns the events that matter (orders
 * completed, failed, refunded; sagas stalled; stock running low) into e-mail over SMTP, and serves the
 * history of what it sent.
 */
export function notificationWorkerService(settings: NotificationSettings): ServiceDefinition {
  return {
    ...notificationDatabase,
    wire: ({ messaging, dataSource, logger, metrics }) => {
      const templates = new MailTemplates({ shopUrl: settings.SHOP_URL, inventoryUrl: settings.INVENTORY_URL });
      const mailer = smtpMailer({
        url: settings.SMTP_URL,
        from: settings.MAIL_FROM,
        timeoutMs: settings.SMTP_TIMEOUT_MS,
      });
      logger.info('sending e-mail through SMTP', { smtp: redactedUrl(settings.SMTP_URL), from: settings.MAIL_FROM });
      const recipients = {
        shop: settings.SHOP_EMAIL,
        operators: settings.OPERATORS_EMAIL,
        messageIdDomain: domainOf(settings.MAIL_FROM),
      };
      observeGauge(metrics, {
        name: 'saga_notifications',
        help: 'Notifications by kind and status (queued, sent, failed), as the history holds them.',
        labelNames: ['kind', 'status'],
        read: async () => {
          const rows: { kind: string; status: string; count: number }[] = await dataSource.query(
            `SELECT kind, status, count(*)::int AS count FROM "${schemaOf(dataSource)}".notifications GROUP BY 1, 2`,
          );
          return rows.map(({ kind, status, count }) => ({ labels: { kind, status }, value: count }));
        },
      });
      return {
        consumers: [
          {
            queue: Queues.notificationEvents,
            handler: notifyOnEvent({
              messaging,
              dataSource,
              mailer,
              templates,
              recipients,
              retries: settings.RETRY_DELAYS_MS.length,
            }),
          },
        ],
        routes: (app) => registerNotificationRoutes(app, { dataSource }),
        background: [{ start: () => undefined, stop: async () => mailer.close() }],
      };
    },
  };
}

/** The domain of a From (`Shop <shop@saga.local>` gives saga.local); the Message-IDs end in it. */
export function domainOf(from: string): string {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
