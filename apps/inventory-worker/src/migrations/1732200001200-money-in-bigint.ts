import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** Prices and totals in bigint: an int column stops at $21,474,836.47. */
export class MoneyInBigint1732200001200 implements MigrationInterface {
  name = 'MoneyInBigint1732200001200';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".products ALTER COLUMN price TYPE bigint`);
    await runner.query(`ALTER TABLE "${s}".reservations ALTER COLUMN total TYPE bigint`);
    await runner.query(`ALTER TABLE "${s}".reservation_items ALTER COLUMN unit_price TYPE bigint`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".products ALTER COLUMN price TYPE int`);
    await runner.query(`ALTER TABLE "${s}".reservations ALTER COLUMN total TYPE int`);
    await runner.query(`ALTER TABLE "${s}".reservation_items ALTER COLUMN unit_price TYPE int`);
  }
}
