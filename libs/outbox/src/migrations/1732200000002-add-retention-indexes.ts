import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * Block-range indexes on when inbox and outbox rows were written, for the retention pass that deletes
 * the old ones. Rows are appended in time order, so a BRIN index of a few pages finds the old end of
 * a table of millions, and costs the hot path's inserts next to nothing.
 */
export class AddRetentionIndexes1732200000002 implements MigrationInterface {
  name = 'AddRetentionIndexes1732200000002';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`CREATE INDEX inbox_received_at ON "${s}".inbox USING brin (received_at)`);
    await runner.query(`CREATE INDEX outbox_created_at ON "${s}".outbox USING brin (created_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP INDEX "${s}".outbox_created_at`);
    await runner.query(`DROP INDEX "${s}".inbox_received_at`);
  }
}
