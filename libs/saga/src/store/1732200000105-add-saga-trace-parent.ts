import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * Each saga keeps the W3C traceparent of the context it started in (its HTTP request's, its cause
 * message's), so every transition, a deadline's or an operator's too, stays in the saga's one trace.
 * Null for sagas started before: they continue the trace of whatever moves them.
 */
export class AddSagaTraceParent1732200000105 implements MigrationInterface {
  name = 'AddSagaTraceParent1732200000105';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "${schemaOf(runner.connection)}".saga_instances ADD COLUMN trace_parent text`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "${schemaOf(runner.connection)}".saga_instances DROP COLUMN trace_parent`);
  }
}
