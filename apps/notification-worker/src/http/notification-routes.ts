import { z } from 'zod';
import { personText, UserId } from '@saga/contracts';
import { Role, staff } from '@saga/identity';
import { callerOf, HttpProblem, type HttpApp, type ServiceContext } from '@saga/runtime';
import { NotificationKind } from '../domain/notification-kinds';
import { notificationHistory, type NotificationRecord } from '../domain/notification-history';
import { NotificationStatus } from '../domain/notifications';
import { profileOf, saveProfile } from '../domain/profiles';

/** One notification as the API shows it. */
export const NotificationView = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  kind: z.enum(NotificationKind),
  /** The template it was written from (templates/<template>.*.hbs). */
  template: z.string(),
  userId: z.string().nullable(),
  orderId: z.uuid().nullable(),
  recipient: z.string().nullable(),
  subject: z.string(),
  /** The Message-ID the e-mail carries, the same on every attempt. */
  messageId: z.string(),
  status: z.enum(NotificationStatus),
  attempts: z.int(),
  /** Why the last attempt failed (or why none could be made). */
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  sentAt: z.iso.datetime({ offset: true }).nullable(),
});
export type NotificationView = z.infer<typeof NotificationView>;

const HistoryPage = z.object({ notifications: z.array(NotificationView), next: z.string().nullable() });
type HistoryPage = z.infer<typeof HistoryPage>;

const PageQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,18}$/, { error: 'expected the next of the page before' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const AdminQuery = PageQuery.extend({
  userId: UserId.optional(),
  status: z.enum(NotificationStatus).optional(),
  kind: z.enum(NotificationKind).optional(),
  eventType: z.string().max(100).optional(),
  orderId: z.uuid().optional(),
});

/** A shopper's profile: where their e-mail goes and what it calls them. */
export const ProfileView = z.object({ userId: z.string(), email: z.email(), name: z.string().nullable() });

const ProfileBody = z.object({
  email: z.email({ error: 'expected an e-mail address' }).max(254),
  name: personText(100).nullable().optional(),
});

/**
 * The notification history and the shopper's profile: GET /me/notifications (the caller's own), GET
 * /admin/notifications (operators and admins: everyone's, with filters), GET and PUT /me/profile.
 */
export function registerNotificationRoutes(app: HttpApp, { dataSource }: Pick<ServiceContext, 'dataSource'>): void {
  app.get(
    '/me/notifications',
    { config: { access: 'signed-in' }, schema: { querystring: PageQuery, response: { 200: HistoryPage } } },
    async (request): Promise<HistoryPage> =>
      pageView(await notificationHistory(dataSource.manager, { ...request.query, userId: callerOf(request).userId })),
  );
  app.get(
    '/admin/notifications',
    {
      config: { access: staff(Role.Operator, Role.Admin) },
      schema: { querystring: AdminQuery, response: { 200: HistoryPage } },
    },
    async (request): Promise<HistoryPage> => pageView(await notificationHistory(dataSource.manager, request.query)),
  );
  app.get(
    '/me/profile',
    { config: { access: 'signed-in' }, schema: { response: { 200: ProfileView } } },
    async (request) => {
      const { userId } = callerOf(request);
      const profile = await profileOf(dataSource.manager, userId);
      if (!profile) throw HttpProblem.notFound(`${userId} has no profile yet: PUT /me/profile with an email`);
      return profile;
    },
  );
  app.put(
    '/me/profile',
    { config: { access: 'signed-in' }, schema: { body: ProfileBody, response: { 200: ProfileView } } },
    async (request) =>
      saveProfile(dataSource.manager, {
        userId: callerOf(request).userId,
        email: request.body.email,
        name: request.body.name ?? null,
      }),
  );
}

function pageView({ notifications, next }: { notifications: NotificationRecord[]; next: string | null }): HistoryPage {
  return {
    notifications: notifications.map((n) => ({
      id: n.id,
      eventId: n.eventId,
      eventType: n.eventType,
      kind: n.kind as NotificationKind,
      template: n.template,
      userId: n.userId,
      orderId: n.orderId,
      recipient: n.recipient,
      subject: n.subject,
      messageId: n.messageId,
      status: n.status,
      attempts: n.attempts,
      lastError: n.lastError,
      createdAt: n.createdAt.toISOString(),
      sentAt: n.sentAt?.toISOString() ?? null,
    })),
    next,
  };
}
