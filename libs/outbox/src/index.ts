export { InboxMessage } from './inbox/inbox-message.entity';
export { CreateMessagingTables1732200000000 } from './migrations/1732200000000-create-messaging-tables';
export { AddOutboxHeaders1732200000001 } from './migrations/1732200000001-add-outbox-headers';
export { AddRetentionIndexes1732200000002 } from './migrations/1732200000002-add-retention-indexes';
export { OutboxMessage } from './outbox/outbox-message.entity';
export { outboxBacklog } from './outbox/outbox-backlog';
export type { OutboxBacklog } from './outbox/outbox-backlog';
export { OutboxRelay } from './outbox/outbox-relay';
export { messageRetention } from './retention/message-retention';
export type { OutboxRelayOptions } from './outbox/outbox-relay';
export { eventMessage } from './outbox/pending-message';
export type { ConfirmedPublisher, PendingMessage } from './outbox/pending-message';
export { TransactionalMessaging } from './transactional-messaging';
export type {
  MessagingTransaction,
  OneStatementEffect,
  OutboxWaker,
  ProcessOutcome,
  ProcessWork,
  PublishAfterCommit,
} from './transactional-messaging';

import { InboxMessage } from './inbox/inbox-message.entity';
import { CreateMessagingTables1732200000000 } from './migrations/1732200000000-create-messaging-tables';
import { AddOutboxHeaders1732200000001 } from './migrations/1732200000001-add-outbox-headers';
import { AddRetentionIndexes1732200000002 } from './migrations/1732200000002-add-retention-indexes';
import { OutboxMessage } from './outbox/outbox-message.entity';

/** Entities every service adds to its DataSource. */
export const messagingEntities = [OutboxMessage, InboxMessage];
/** Migrations every service runs, before its own. */
export const messagingMigrations = [
  CreateMessagingTables1732200000000,
  AddOutboxHeaders1732200000001,
  AddRetentionIndexes1732200000002,
];
