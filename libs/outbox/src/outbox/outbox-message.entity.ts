import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MessageEnvelope } from '@saga/contracts';

/** A message written in the same transaction as the state change it announces, waiting to be published. */
@Entity({ name: 'outbox' })
export class OutboxMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'message_id', type: 'uuid', unique: true })
  messageId: string;

  @Column({ type: 'text' })
  exchange: string;

  @Column({ name: 'routing_key', type: 'text' })
  routingKey: string;

  @Column({ type: 'jsonb' })
  envelope: MessageEnvelope;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  headers: Record<string, string>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'available_at', type: 'timestamptz', default: () => 'now()' })
  availableAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;
}
