import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** Refunded items put back on sale: a `return` movement in the stock ledger, once per refund. */
export class StockReturns1732200001300 implements MigrationInterface {
  name = 'StockReturns1732200001300';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      ALTER TABLE "${s}".stock_ledger DROP CONSTRAINT stock_ledger_kind_check,
        ADD CONSTRAINT stock_ledger_kind_check CHECK (kind IN ('reserve', 'release', 'commit', 'restock', 'return'))`);
    await runner.query(`
      CREATE TABLE "${s}".stock_returns (
        refund_id uuid PRIMARY KEY,
        order_id uuid NOT NULL,
        items jsonb NOT NULL,
        returned_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX stock_returns_of_order ON "${s}".stock_returns (order_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".stock_returns`);
    await runner.query(`
      ALTER TABLE "${s}".stock_ledger DROP CONSTRAINT stock_ledger_kind_check,
        ADD CONSTRAINT stock_ledger_kind_check CHECK (kind IN ('reserve', 'release', 'commit', 'restock'))`);
  }
}
