import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * Refunds of completed orders: one row per refund with the lines it gives back, and on each order line
 * how much of it refunds have taken (requested or done), never more than was sold.
 */
export class Refunds1732200001300 implements MigrationInterface {
  name = 'Refunds1732200001300';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      ALTER TABLE "${s}".orders DROP CONSTRAINT orders_status_check,
        ADD CONSTRAINT orders_status_check
          CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED'))`);
    await runner.query(`
      ALTER TABLE "${s}".order_lines ADD COLUMN refunded_quantity int NOT NULL DEFAULT 0,
        ADD CONSTRAINT order_lines_refunded_within_sold CHECK (refunded_quantity BETWEEN 0 AND quantity)`);
    await runner.query(`
      CREATE TABLE "${s}".refunds (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES "${s}".orders (id),
        idempotency_key text,
        request_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('REQUESTED', 'PROCESSING', 'REFUNDED', 'FAILED')),
        items jsonb NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        currency text NOT NULL,
        reason text NOT NULL,
        failure_code text,
        failure_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (order_id, idempotency_key),
        CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL))
      )`);
    await runner.query(`CREATE INDEX refunds_of_order ON "${s}".refunds (order_id, created_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".refunds`);
    await runner.query(`ALTER TABLE "${s}".order_lines DROP COLUMN refunded_quantity`);
    await runner.query(`
      ALTER TABLE "${s}".orders DROP CONSTRAINT orders_status_check,
        ADD CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'))`);
  }
}
