import { CreateNotificationTables1732200002000 } from './1732200002000-create-notification-tables';

/** The notification schema's migrations, in order. */
export const notificationMigrations = [CreateNotificationTables1732200002000];
