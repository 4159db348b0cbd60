import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** Orders, their lines and the Idempotency-Key records of POST /orders. */
export class CreateOrders1732200001000 implements MigrationInterface {
  name = 'CreateOrders1732200001000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".orders (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED')),
        source text NOT NULL CHECK (source IN ('items', 'cart')),
        payment_method text NOT NULL CHECK (payment_method IN ('card', 'wallet')),
        total int CHECK (total >= 0),
        currency text,
        failure_code text,
        failure_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL)),
        CHECK (status <> 'COMPLETED' OR total IS NOT NULL)
      )`);
    await runner.query(`CREATE INDEX orders_by_user ON "${s}".orders (user_id, created_at DESC)`);
    await runner.query(`
      CREATE TABLE "${s}".order_lines (
        order_id uuid NOT NULL REFERENCES "${s}".orders (id),
        product_id uuid NOT NULL,
        quantity int NOT NULL CHECK (quantity > 0),
        name text,
        unit_price int CHECK (unit_price >= 0),
        PRIMARY KEY (order_id, product_id)
      )`);
    await runner.query(`
      CREATE TABLE "${s}".idempotency_keys (
        key text PRIMARY KEY,
        request_hash text NOT NULL,
        response_status int NOT NULL,
        response_body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".idempotency_keys`);
    await runner.query(`DROP TABLE "${s}".order_lines`);
    await runner.query(`DROP TABLE "${s}".orders`);
  }
}
