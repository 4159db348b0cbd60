import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A message this service has processed, recorded with its effect so a redelivery is recognised. */
@Entity({ name: 'inbox' })
export class InboxMessage {
  @PrimaryColumn({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @PrimaryColumn({ type: 'text' })
  consumer: string;

  @Column({ name: 'message_type', type: 'text' })
  messageType: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  /** The outbox messages its handling wrote: re-sent, not re-made, when the message comes again. */
  @Column({ name: 'outbox_message_ids', type: 'uuid', array: true, default: () => "'{}'" })
  outboxMessageIds: string[];
}
