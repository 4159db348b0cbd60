import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of a saga's append-only log: a transition, what caused it and the data it changed. */
@Entity({ name: 'saga_events' })
export class SagaEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'saga_id', type: 'uuid' })
  sagaId: string;

  /** Position in this saga's log, from 1. */
  @Column({ type: 'int' })
  seq: number;

  @Column({ type: 'text' })
  type: string;

  @Column({ name: 'step_id', type: 'text', nullable: true })
  stepId: string | null;

  @Column({ name: 'command_id', type: 'uuid', nullable: true })
  commandId: string | null;

  /** The message that caused this transition. */
  @Column({ name: 'cause_message_id', type: 'uuid', nullable: true })
  causeMessageId: string | null;

  @Column({ name: 'status_after', type: 'text' })
  statusAfter: string;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
