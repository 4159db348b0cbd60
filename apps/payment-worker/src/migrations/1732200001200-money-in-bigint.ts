import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** Balances and amounts in bigint: an int column stops at $21,474,836.47. */
export class MoneyInBigint1732200001200 implements MigrationInterface {
  name = 'MoneyInBigint1732200001200';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".wallets ALTER COLUMN balance TYPE bigint, ALTER COLUMN held TYPE bigint`);
    await runner.query(`ALTER TABLE "${s}".payments ALTER COLUMN amount TYPE bigint`);
    await runner.query(`ALTER TABLE "${s}".payment_ledger ALTER COLUMN amount TYPE bigint`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".wallets ALTER COLUMN balance TYPE int, ALTER COLUMN held TYPE int`);
    await runner.query(`ALTER TABLE "${s}".payments ALTER COLUMN amount TYPE int`);
    await runner.query(`ALTER TABLE "${s}".payment_ledger ALTER COLUMN amount TYPE int`);
  }
}
