import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** Why an order's saga stalled and since when, while a person must look at it. */
export class AddOrderAttention1732200001100 implements MigrationInterface {
  name = 'AddOrderAttention1732200001100';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(
      `ALTER TABLE "${s}".orders ADD COLUMN attention_reason text, ADD COLUMN attention_since timestamptz`,
    );
    await runner.query(`ALTER TABLE "${s}".orders ADD CHECK ((attention_reason IS NULL) = (attention_since IS NULL))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".orders DROP COLUMN attention_reason, DROP COLUMN attention_since`);
  }
}
