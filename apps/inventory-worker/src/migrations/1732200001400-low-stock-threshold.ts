import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** A product's own low-stock threshold; null follows the worker's default (LOW_STOCK_THRESHOLD). */
export class LowStockThreshold1732200001400 implements MigrationInterface {
  name = 'LowStockThreshold1732200001400';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    // The upper bound is the most stock a product may hold (maxProductStock): a higher threshold never clears.
    await runner.query(`
      ALTER TABLE "${s}".products ADD COLUMN low_stock_threshold int
        CONSTRAINT products_low_stock_threshold_check CHECK (low_stock_threshold BETWEEN 1 AND 1000000000)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`ALTER TABLE "${s}".products DROP COLUMN low_stock_threshold`);
  }
}
