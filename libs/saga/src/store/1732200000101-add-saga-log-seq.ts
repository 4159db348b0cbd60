import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * The position of a saga's last log entry, kept on the instance: a transition numbers its entries from
 * the row it has locked anyway, instead of asking the log for its MAX(seq).
 */
export class AddSagaLogSeq1732200000101 implements MigrationInterface {
  name = 'AddSagaLogSeq1732200000101';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".saga_instances ADD COLUMN log_seq int NOT NULL DEFAULT 0`);
    await runner.query(
      `UPDATE "${s}".saga_instances i SET log_seq = e.seq
         FROM (SELECT saga_id, max(seq) AS seq FROM "${s}".saga_events GROUP BY saga_id) e WHERE e.saga_id = i.id`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "${schemaOf(runner.connection)}".saga_instances DROP COLUMN log_seq`);
  }
}
