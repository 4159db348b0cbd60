import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/**
 * One row per notification (an event's e-mail to one recipient), the profiles shoppers' addresses come
 * from, and what the worker learnt of each completed order (its lines, for the refund's e-mail).
 */
export class CreateNotificationTables1732200002000 implements MigrationInterface {
  name = 'CreateNotificationTables1732200002000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      CREATE TABLE "${s}".notifications (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        kind text NOT NULL,
        user_id text,
        order_id uuid,
        recipient text,
        subject text NOT NULL,
        message_id text NOT NULL UNIQUE,
        data jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
        attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        UNIQUE (event_id, kind)
      )`);
    await runner.query(`CREATE INDEX notifications_of_user ON "${s}".notifications (user_id, seq DESC)`);
    await runner.query(`
      CREATE TABLE "${s}".profiles (
        user_id text PRIMARY KEY CHECK (user_id <> ''),
        email text NOT NULL,
        name text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE "${s}".order_lines (
        order_id uuid NOT NULL,
        product_id uuid NOT NULL,
        name text NOT NULL,
        unit_price bigint NOT NULL,
        quantity int NOT NULL,
        PRIMARY KEY (order_id, product_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".order_lines`);
    await runner.query(`DROP TABLE "${s}".profiles`);
    await runner.query(`DROP TABLE "${s}".notifications`);
  }
}
