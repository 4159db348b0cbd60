import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SagaState, SagaStatus } from '../engine/state';

/** One running or finished saga: its definition, status and the engine's whole state. */
@Entity({ name: 'saga_instances' })
export class SagaInstance {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'definition_name', type: 'text' })
  definitionName: string;

  @Column({ name: 'definition_version', type: 'int' })
  definitionVersion: number;

  /** The fingerprint of the step list it started on; null for sagas started before it was kept. */
  @Column({ name: 'definition_fingerprint', type: 'text', nullable: true })
  definitionFingerprint: string | null;

  /** The business id the saga is about (the order id), unique per definition. */
  @Column({ name: 'correlation_id', type: 'text' })
  correlationId: string;

  @Column({ type: 'text' })
  status: SagaStatus;

  @Column({ name: 'current_step', type: 'text', nullable: true })
  currentStep: string | null;

  @Column({ name: 'awaiting_command_id', type: 'uuid', nullable: true })
  awaitingCommandId: string | null;

  @Column({ name: 'deadline_at', type: 'timestamptz', nullable: true })
  deadlineAt: Date | null;

  @Column({ type: 'jsonb' })
  state: SagaState;

  @Column({ type: 'int' })
  version: number;

  /** The seq of its last log entry. */
  @Column({ name: 'log_seq', type: 'int' })
  logSeq: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** The W3C traceparent of the context the saga started in; null when it started untraced. */
  @Column({ name: 'trace_parent', type: 'text', nullable: true })
  traceParent: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
