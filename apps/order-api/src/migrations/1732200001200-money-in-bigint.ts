import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** Totals and prices in bigint: an int column stops at $21,474,836.47. */
export class MoneyInBigint1732200001200 implements MigrationInterface {
  name = 'MoneyInBigint1732200001200';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".orders ALTER COLUMN total TYPE bigint`);
    await runner.query(`ALTER TABLE "${s}".order_lines ALTER COLUMN unit_price TYPE bigint`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".orders ALTER COLUMN total TYPE int`);
    await runner.query(`ALTER TABLE "${s}".order_lines ALTER COLUMN unit_price TYPE int`);
  }
}
