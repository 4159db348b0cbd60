import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropAppendOnly, makeAppendOnly, schemaOf } from '@saga/persistence';

/** The saga instances and their append-only event log. */
export class CreateSagaTables1732200000100 implements MigrationInterface {
  name = 'CreateSagaTables1732200000100';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".saga_instances (
        id uuid PRIMARY KEY,
        definition_name text NOT NULL,
        definition_version int NOT NULL,
        correlation_id text NOT NULL,
        status text NOT NULL,
        current_step text,
        awaiting_command_id uuid,
        deadline_at timestamptz,
        state jsonb NOT NULL,
        version int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (definition_name, correlation_id)
      )`);
    await runner.query(`CREATE INDEX saga_instances_status ON "${s}".saga_instances (status, updated_at)`);
    await runner.query(
      `CREATE INDEX saga_instances_deadline ON "${s}".saga_instances (deadline_at) WHERE awaiting_command_id IS NOT NULL`,
    );
    await runner.query(`
      CREATE TABLE "${s}".saga_events (
        id bigserial PRIMARY KEY,
        saga_id uuid NOT NULL REFERENCES "${s}".saga_instances (id),
        seq int NOT NULL,
        type text NOT NULL,
        step_id text,
        command_id uuid,
        cause_message_id uuid,
        status_after text NOT NULL,
        data jsonb NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (saga_id, seq)
      )`);
    // The log is append-only: nothing may rewrite history, not even by accident.
    await makeAppendOnly(runner, 'saga_events');
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".saga_events`);
    await dropAppendOnly(runner, 'saga_events');
    await runner.query(`DROP TABLE "${s}".saga_instances`);
  }
}
