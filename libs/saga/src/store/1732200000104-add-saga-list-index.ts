import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * Operators list sagas newest first (`saga list`); without this index that is a sort of every saga.
 * It costs each transition one more index entry. A lookup by business id uses the unique index on
 * (definition_name, correlation_id), with every definition name given.
 */
export class AddSagaListIndex1732200000104 implements MigrationInterface {
  name = 'AddSagaListIndex1732200000104';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`CREATE INDEX saga_instances_newest ON "${s}".saga_instances (created_at DESC, id DESC)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP INDEX "${s}".saga_instances_newest`);
  }
}
